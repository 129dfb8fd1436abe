// Coverage: a severity whose SLA target has `coverage: businessHours` pages nobody outside the service
// level's business hours (holidays included). It is not dropped: it waits, and pages when business hours
// begin if it still fires, which is also when its SLA clock starts to run (router/sla/business-clock.ts).
import type { RouterConfig } from '../config/compiled.ts';
import { isBusinessTime, nextBusinessTime } from '../sla/business-clock.ts';
import { formatInstant, type Muter, type MuteSubject, type MuteVerdict } from './muter.ts';

export class CoverageMuter implements Muter {
  readonly reason = 'coverage' as const;

  constructor(private readonly config: Pick<RouterConfig, 'tenants' | 'serviceLevels'>) {}

  mutes(alert: MuteSubject, now: number): MuteVerdict | null {
    const tenant = this.config.tenants[alert.tenant];
    const level = tenant ? this.config.serviceLevels[tenant.serviceLevel] : undefined;
    const target = level?.targets[alert.severity];
    // No target for the severity, or 24x7: always covered. A businessHours target without business hours
    // is rejected by the compiler; should one get here, paging is the safe side.
    if (!level || target?.coverage !== 'businessHours' || !level.businessHours) return null;
    const hours = level.businessHours;
    if (isBusinessTime(now, hours)) return null;
    let until: number;
    try {
      until = nextBusinessTime(now, hours);
    } catch {
      // Business hours that never open (within 3 years): waiting for them would mean never paging.
      return null;
    }
    return {
      reason: 'coverage',
      detail: `${alert.severity} alerts of service level ${level.key} are covered in business hours only (${hours.timezone}); pages at ${formatInstant(until)} if still firing`,
      until,
    };
  }
}
