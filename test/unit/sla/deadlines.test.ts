import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouterConfig, ServiceLevelConfig, SlaTarget } from '../../../router/config/compiled.ts';
import { escalationTimes, respondBy } from '../../../router/sla/deadlines.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const t = Date.parse;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const target = (respondMs: number, coverage: SlaTarget['coverage']): SlaTarget => ({
  respondMs,
  resolveMs: 8 * HOUR,
  coverage,
  firstUpdateMs: null,
  updateEveryMs: null,
});

const level: ServiceLevelConfig = {
  key: 'msp/gold',
  businessHours: {
    timezone: 'Europe/Berlin',
    windows: [{ days: [1, 2, 3, 4, 5], from: 8 * 60, to: 18 * 60 }],
    holidays: [],
  },
  targets: { critical: target(15 * MIN, '24x7'), warning: target(4 * HOUR, 'businessHours') },
  uptimeTarget: null,
};
const config: Pick<RouterConfig, 'serviceLevels'> = { serviceLevels: { 'msp/gold': level } };
const tenant = { serviceLevel: 'msp/gold' };

describe('escalationTimes', () => {
  it('24x7: the deadline is wall time after the opening, and escalation starts at the opening', () => {
    const openedAt = '2026-03-07T02:00:00.000Z'; // a Saturday night
    const x = escalationTimes({ openedAt, severity: 'critical' }, tenant, config);
    assert.equal(iso(x.respondBy), '2026-03-07T02:15:00.000Z');
    assert.equal(iso(x.startedAt), openedAt);
  });

  it('business hours, Friday 17:30 Berlin + 4h: 30 minutes on Friday, 3.5 hours on Monday; starts at once', () => {
    const openedAt = new Date(t('2026-03-06T17:30+01:00')).toISOString();
    const x = escalationTimes({ openedAt, severity: 'warning' }, tenant, config);
    assert.equal(iso(x.respondBy), iso(t('2026-03-09T11:30+01:00')));
    assert.equal(iso(x.startedAt), openedAt);
  });

  it('business hours, opened on Saturday: escalation starts Monday 08:00, the deadline is Monday 12:00', () => {
    const openedAt = new Date(t('2026-03-07T10:00+01:00')).toISOString();
    const x = escalationTimes({ openedAt, severity: 'warning' }, tenant, config);
    assert.equal(iso(x.startedAt), iso(t('2026-03-09T08:00+01:00')));
    assert.equal(iso(x.respondBy), iso(t('2026-03-09T12:00+01:00')));
  });

  it('no target for the severity, no service level, no tenant: no deadline, starts at the opening', () => {
    const openedAt = '2026-03-06T10:00:00.000Z';
    for (const [sev, ten] of [
      ['info', tenant],
      ['critical', { serviceLevel: 'msp/missing' }],
      ['critical', undefined],
    ] as const) {
      const x = escalationTimes({ openedAt, severity: sev }, ten, config);
      assert.deepEqual(x, { respondBy: null, startedAt: t(openedAt) });
      assert.equal(respondBy({ openedAt, severity: sev }, ten, config), null);
    }
  });

  it('follows the current severity', () => {
    const openedAt = '2026-03-06T10:00:00.000Z';
    assert.equal(iso(respondBy({ openedAt, severity: 'critical' }, tenant, config)), '2026-03-06T10:15:00.000Z');
    assert.equal(iso(respondBy({ openedAt, severity: 'warning' }, tenant, config)), '2026-03-06T14:00:00.000Z');
  });

  it('business hours that never open fall back to wall time rather than never paging', () => {
    const never: ServiceLevelConfig = {
      ...level,
      businessHours: { timezone: 'Europe/Berlin', windows: [], holidays: [] },
    };
    const openedAt = '2026-03-06T10:00:00.000Z';
    const x = escalationTimes({ openedAt, severity: 'warning' }, tenant, { serviceLevels: { 'msp/gold': never } });
    assert.deepEqual(x, { respondBy: t(openedAt) + 4 * HOUR, startedAt: t(openedAt) });
  });
});
