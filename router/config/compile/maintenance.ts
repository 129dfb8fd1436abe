import { isValidTimeZone } from '../../time/zoned.ts';
import type { MaintenanceWindowConfig } from '../compiled.ts';
import type { MaintenanceWindowSpec, TenantSpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';
import { instant, matcherList, timeZone, weeklyWindow, windowChecks } from './values.ts';

export function compileMaintenanceWindow(
  ctx: CompileContext,
  r: Checked<MaintenanceWindowSpec>,
): MaintenanceWindowConfig {
  const s = r.spec;
  ctx.ref(r, 'spec.tenant', 'Tenant', s.tenant);
  // The tenant as written: it may have failed its own checks (`spec: null`, an unknown time zone), which
  // are reported on the tenant; here they must not throw.
  const tenantSpec: unknown = ctx.get<TenantSpec>('Tenant', r.namespace, s.tenant)?.spec;
  const tenantZone = (tenantSpec as { timezone?: unknown } | null | undefined)?.timezone;
  const tz = s.timezone
    ? timeZone(ctx, r, 'spec.timezone', s.timezone)
    : typeof tenantZone === 'string' && isValidTimeZone(tenantZone)
      ? tenantZone
      : 'Etc/UTC';
  let oneOff: MaintenanceWindowConfig['oneOff'] = null;
  const hasOneOff = s.start !== undefined || s.end !== undefined;
  if (hasOneOff && s.recurrence) {
    ctx.error(r, 'spec.recurrence', 'set either start and end (one-off) or recurrence (recurring), not both');
  } else if (hasOneOff) {
    if (s.start === undefined) ctx.error(r, 'spec.start', 'is required with spec.end');
    else if (s.end === undefined) ctx.error(r, 'spec.end', 'is required with spec.start');
    else {
      const start = instant(ctx, r, 'spec.start', s.start, tz);
      const end = instant(ctx, r, 'spec.end', s.end, tz);
      if (end <= start) ctx.error(r, 'spec.end', `must be after start (${s.start})`);
      oneOff = { start, end };
    }
  } else if (!s.recurrence) {
    ctx.error(r, 'spec', 'set start and end (one-off) or recurrence (recurring)');
  }
  if (s.recurrence) windowChecks(ctx, r, 'spec.recurrence', s.recurrence);
  return {
    key: r.key,
    name: r.name,
    tenant: s.tenant,
    matchers: matcherList(ctx, r, 'spec.', s.match, s.matchers),
    oneOff,
    recurrence: s.recurrence
      ? { ...weeklyWindow(s.recurrence), timezone: timeZone(ctx, r, 'spec.recurrence.timezone', s.recurrence.timezone) }
      : null,
    comment: s.comment ?? '',
  };
}
