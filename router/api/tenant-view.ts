// What a tenant's own token (responder, viewer) may see of an incident: no internal notes, no staff names
// (who acknowledged, escalation targets), no schedules or layers, no provider errors or references. Pure;
// applied to every tenant-readable output (incident JSON, timeline, postmortem). The admin sees everything.
import type { Incident, IncidentEvent } from '../incidents/model.ts';

/** How MSP staff (and anything not done by the tenant's own tokens) appear to the tenant. */
export const MSP_ACTOR = 'MSP';

/** A timeline entry: an incident event, or a notification event (router/escalation/events.ts). */
type ShownEvent = IncidentEvent & Record<string, unknown>;

/** Is `name` (a `by` or a principal) one of the tenant's own tokens, so the tenant may see it? */
function isOwn(tenant: string, principal: string | null | undefined): boolean {
  return typeof principal === 'string' && principal.startsWith(`tenant:${tenant}:`);
}

/** The router's own resolve when no alert fires any more (router/incidents/decide.ts resolveWhenQuiet): no person. */
const AUTOMATIC = /all alerts resolved\)?$/;

/** How `by` is shown to the tenant: its own tokens and the router's automatic actions as they are, else the MSP. */
function shownActor(tenant: string, by: string, principal: string | undefined): string {
  return isOwn(tenant, principal ?? by) || (principal === undefined && AUTOMATIC.test(by)) ? by : MSP_ACTOR;
}

/** The tenant's view of the incident: staff names replaced by the MSP, the escalation policy dropped. */
export function tenantIncident<T extends Incident>(i: T): Omit<T, 'policy'> {
  const { policy: _policy, ...rest } = i;
  return {
    ...rest,
    acknowledgedBy: i.acknowledgedBy === null ? null : shownActor(i.tenant, i.acknowledgedBy, undefined),
    resolvedBy: i.resolvedBy === null ? null : shownActor(i.tenant, i.resolvedBy, undefined),
  };
}

/** The tenant's view of a timeline: events it may not see dropped, the rest stripped of staff details. */
export function tenantTimeline(tenant: string, events: readonly IncidentEvent[]): IncidentEvent[] {
  const out: IncidentEvent[] = [];
  for (const e of events as readonly ShownEvent[]) {
    if (e.type === 'incident.note' && e.visibility !== 'customer') continue;
    if (e.type === 'notification.failed' || e.type === 'escalation.problem') continue;
    if (e.type === 'notification.sent') {
      // That the MSP was paged, and how; not whom, through which schedule, or the provider's reference.
      const step = typeof e['step'] === 'number' ? e['step'] : 0;
      const destination = typeof e['destination'] === 'string' ? { destination: e['destination'] } : {};
      const shown = { type: e.type, at: e.at, tenant: e.tenant, incidentId: e.incidentId };
      const sent = { ...shown, key: '', repeat: 0, step, target: MSP_ACTOR, rule: '', ...destination };
      out.push(sent as unknown as IncidentEvent);
      continue;
    }
    const { principal, by, ...rest } = e;
    out.push({ ...rest, ...(by !== undefined ? { by: shownActor(tenant, by, principal) } : {}) } as IncidentEvent);
  }
  return out;
}
