import type { Severity } from '../../alert.ts';
import type { ServiceLevelConfig, SlaTarget } from '../compiled.ts';
import { SEVERITIES, type ServiceLevelSpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';
import { positiveDuration, timeZone, weeklyWindow, windowChecks } from './values.ts';

export function compileServiceLevel(ctx: CompileContext, r: Checked<ServiceLevelSpec>): ServiceLevelConfig {
  const s = r.spec;
  const bh = s.businessHours;
  const targets: Partial<Record<Severity, SlaTarget>> = {};
  for (const sev of SEVERITIES) {
    const t = s.targets[sev];
    if (!t) continue;
    const field = `spec.targets.${sev}`;
    const respondMs = positiveDuration(ctx, r, `${field}.respond`, t.respond);
    const resolveMs = positiveDuration(ctx, r, `${field}.resolve`, t.resolve);
    if (resolveMs < respondMs) {
      ctx.error(r, `${field}.resolve`, `${t.resolve} is shorter than the respond target ${t.respond}`);
    }
    const coverage = t.coverage ?? '24x7';
    if (coverage === 'businessHours' && !bh) {
      ctx.error(r, `${field}.coverage`, 'businessHours coverage needs spec.businessHours');
    }
    if (t.updateEvery && !t.firstUpdate) {
      ctx.error(r, `${field}.firstUpdate`, 'is required when updateEvery is set');
    }
    targets[sev] = {
      respondMs,
      resolveMs,
      coverage,
      firstUpdateMs: t.firstUpdate ? positiveDuration(ctx, r, `${field}.firstUpdate`, t.firstUpdate) : null,
      updateEveryMs: t.updateEvery ? positiveDuration(ctx, r, `${field}.updateEvery`, t.updateEvery) : null,
    };
  }
  if (Object.keys(targets).length === 0) {
    ctx.error(r, 'spec.targets', 'set targets for at least one severity (critical, high, warning, info)');
  }
  bh?.windows.forEach((w, i) => {
    windowChecks(ctx, r, `spec.businessHours.windows[${i}]`, w);
  });
  bh?.holidays?.forEach((d, i) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) {
      ctx.error(r, `spec.businessHours.holidays[${i}]`, `"${d}" is not a calendar date`);
    }
  });
  return {
    key: r.key,
    businessHours: bh
      ? {
          timezone: timeZone(ctx, r, 'spec.businessHours.timezone', bh.timezone),
          windows: bh.windows.map(weeklyWindow),
          holidays: [...(bh.holidays ?? [])].sort(),
        }
      : null,
    targets,
    uptimeTarget: s.uptimeTarget ?? null,
  };
}
