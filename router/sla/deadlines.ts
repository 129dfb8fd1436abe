// When an incident's escalation starts and when its SLA respond deadline falls: the times the escalation
// runner needs besides the incident's own. Pure: the incident, its tenant and the config in.
//
// The respond target is the tenant's ServiceLevel target for the incident's current severity (a severity
// change moves it). With 24x7 coverage the deadline is openedAt + respond, and escalation starts at
// openedAt. With businessHours coverage the clock only runs inside business hours: the deadline is
// openedAt + respond in business time, and escalation starts when business hours next begin (an alert
// on Friday 17:30 with business hours until 18:00 starts at once; one on Saturday waits for Monday 08:00).
import type { RouterConfig, TenantConfig } from '../config/compiled.ts';
import type { EscalationTimes } from '../escalation/runner.ts';
import type { Incident } from '../incidents/model.ts';
import { slaClockStart } from './breaches.ts';
import { addBusinessTime, nextBusinessTime } from './business-clock.ts';

export function escalationTimes(
  incident: Pick<Incident, 'openedAt' | 'severity'> & Partial<Pick<Incident, 'pagingSince'>>,
  tenant: Pick<TenantConfig, 'serviceLevel'> | undefined,
  config: Pick<RouterConfig, 'serviceLevels'>,
): Required<EscalationTimes> {
  // The SLA clock (and escalation) start when the incident started paging: openedAt unless it opened muted.
  const openedAt = slaClockStart(incident);
  const level = tenant ? config.serviceLevels[tenant.serviceLevel] : undefined;
  const target = level?.targets[incident.severity];
  if (!level || !target) return { respondBy: null, startedAt: openedAt };
  if (target.coverage !== 'businessHours' || !level.businessHours) {
    return { respondBy: openedAt + target.respondMs, startedAt: openedAt };
  }
  try {
    return {
      respondBy: addBusinessTime(openedAt, target.respondMs, level.businessHours),
      startedAt: nextBusinessTime(openedAt, level.businessHours),
    };
  } catch {
    // Business hours that never open (the compiler rejects those): page rather than wait forever.
    return { respondBy: openedAt + target.respondMs, startedAt: openedAt };
  }
}

/** The SLA respond deadline of an incident (epoch ms), or null when its severity has no target. */
export function respondBy(
  incident: Pick<Incident, 'openedAt' | 'severity'> & Partial<Pick<Incident, 'pagingSince'>>,
  tenant: Pick<TenantConfig, 'serviceLevel'> | undefined,
  config: Pick<RouterConfig, 'serviceLevels'>,
): number | null {
  return escalationTimes(incident, tenant, config).respondBy;
}
