// The template variables of one message, from the incident and the config.
import type { TenantConfig } from '../config/compiled.ts';
import type { Incident } from '../incidents/model.ts';
import type { MessageContext } from './types.ts';

// Building an Intl.DateTimeFormat costs far more than using one (it was 8 % of the CPU time of paging new
// incidents): one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    if (formatters.size > 1_000) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

const formatted = new Map<string, string>();

/** `2026-03-04 11:15 CET`: the deadline as the tenant's people read it (short zone name from Intl). */
export function formatLocal(at: number, timeZone: string): string {
  // Minute resolution: every message of a minute in a zone reads the same (formatToParts is slow).
  const key = `${timeZone} ${Math.floor(at / 60_000)}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const p = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? '';
  const text = `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')} ${p('timeZoneName')}`;
  if (formatted.size >= 10_000) formatted.clear();
  formatted.set(key, text);
  return text;
}

export function messageContext(args: {
  incident: Incident;
  tenant: Pick<TenantConfig, 'name' | 'displayName' | 'timezone'> | undefined;
  respondBy: number | null;
  ackUrl: string;
  /** 0-based, as in the plan; shown 1-based. */
  repeat: number;
  step: number;
  recipientName: string;
  by?: string;
  /** A customer-update reminder: when the update is due (epoch ms). */
  updateDue?: number;
}): MessageContext {
  const i = args.incident;
  const zone = args.tenant?.timezone || 'UTC';
  return {
    incident: {
      id: i.id,
      summary: i.title,
      severity: i.severity,
      status: i.status,
      openedAt: formatLocal(Date.parse(i.openedAt), zone),
      respondBy: args.respondBy === null ? '' : formatLocal(args.respondBy, zone),
      respondByIso: args.respondBy === null ? '' : new Date(args.respondBy).toISOString(),
    },
    tenant: { name: i.tenant, displayName: args.tenant?.displayName || i.tenant },
    ackUrl: args.ackUrl,
    escalation: { round: args.repeat + 1, step: args.step + 1 },
    recipient: { displayName: args.recipientName },
    by: args.by ?? '',
    updateDue: args.updateDue === undefined ? '' : formatLocal(args.updateDue, zone),
  };
}
