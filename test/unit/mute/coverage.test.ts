import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Severity } from '../../../router/alert.ts';
import type { ServiceLevelConfig, SlaTarget } from '../../../router/config/compiled.ts';
import { CoverageMuter } from '../../../router/mute/coverage.ts';
import { firing, HOUR, tenantConfig } from './helpers.ts';

const t = Date.parse;
const MON_FRI = [1, 2, 3, 4, 5];

const target = (coverage: SlaTarget['coverage']): SlaTarget => ({
  respondMs: HOUR,
  resolveMs: 8 * HOUR,
  coverage,
  firstUpdateMs: null,
  updateEveryMs: null,
});

function level(key: string, timezone: string, holidays: string[] = []): ServiceLevelConfig {
  return {
    key,
    businessHours: { timezone, windows: [{ days: MON_FRI, from: 8 * 60, to: 18 * 60 }], holidays },
    targets: { critical: target('24x7'), high: target('24x7'), warning: target('businessHours') },
    uptimeTarget: null,
  };
}

const config = {
  tenants: {
    acme: tenantConfig({ serviceLevel: 'msp/gold' }),
    globex: tenantConfig({ name: 'globex', serviceLevel: 'msp/silver' }),
  },
  serviceLevels: {
    'msp/gold': level('msp/gold', 'Europe/Berlin', ['2026-12-25']),
    'msp/silver': level('msp/silver', 'America/New_York'),
  },
};

describe('CoverageMuter', () => {
  const cases: { name: string; tenant?: string; severity: Severity; now: string; until: string | null }[] = [
    { name: 'warning in business hours pages', severity: 'warning', now: '2026-03-09T10:00+01:00', until: null },
    { name: 'warning at the opening instant pages', severity: 'warning', now: '2026-03-09T08:00+01:00', until: null },
    {
      name: 'warning at closing waits for the next morning',
      severity: 'warning',
      now: '2026-03-09T18:00+01:00',
      until: '2026-03-10T08:00+01:00',
    },
    {
      name: 'warning Friday night waits for Monday',
      severity: 'warning',
      now: '2026-03-06T22:00+01:00',
      until: '2026-03-09T08:00+01:00',
    },
    { name: 'critical (24x7) pages at night', severity: 'critical', now: '2026-03-06T22:00+01:00', until: null },
    { name: 'info has no target: always covered', severity: 'info', now: '2026-03-06T22:00+01:00', until: null },
    // Christmas (Friday) is a holiday: Thursday evening waits for Monday.
    {
      name: 'holiday: Christmas Eve evening waits past Christmas Day',
      severity: 'warning',
      now: '2026-12-24T19:00+01:00',
      until: '2026-12-28T08:00+01:00',
    },
    {
      name: 'holiday: on Christmas Day at 10:00',
      severity: 'warning',
      now: '2026-12-25T10:00+01:00',
      until: '2026-12-28T08:00+01:00',
    },
    // Berlin clocks go forward on Sunday 2026-03-29: Monday opens at 08:00 CEST.
    {
      name: 'Berlin spring DST weekend',
      severity: 'warning',
      now: '2026-03-28T12:00+01:00',
      until: '2026-03-30T08:00+02:00',
    },
    // New York clocks go back on Sunday 2026-11-01: Monday opens at 08:00 EST.
    {
      name: 'New York fall DST weekend',
      tenant: 'globex',
      severity: 'warning',
      now: '2026-10-31T12:00-04:00',
      until: '2026-11-02T08:00-05:00',
    },
    {
      name: 'New York 07:59 EDT is before opening',
      tenant: 'globex',
      severity: 'warning',
      now: '2026-03-09T07:59-04:00',
      until: '2026-03-09T08:00-04:00',
    },
    {
      name: 'an unknown tenant is never muted',
      tenant: 'nobody',
      severity: 'warning',
      now: '2026-03-06T22:00+01:00',
      until: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = new CoverageMuter(config).mutes(firing({ tenant: c.tenant ?? 'acme', severity: c.severity }), t(c.now));
      if (c.until === null) assert.equal(v, null);
      else {
        assert.equal(v?.reason, 'coverage');
        assert.equal(v?.until, t(c.until));
      }
    });
  }

  it('says when it will page', () => {
    const v = new CoverageMuter(config).mutes(firing(), t('2026-03-06T22:00+01:00'));
    assert.match(
      v?.detail ?? '',
      /warning alerts of service level msp\/gold .* business hours only \(Europe\/Berlin\); pages at 2026-03-09T07:00Z/,
    );
  });

  it('business hours that never open page rather than wait forever', () => {
    const never = {
      ...level('msp/never', 'Etc/UTC'),
      businessHours: { timezone: 'Etc/UTC', windows: [], holidays: [] },
    };
    const muter = new CoverageMuter({
      tenants: { acme: tenantConfig({ serviceLevel: 'msp/never' }) },
      serviceLevels: { 'msp/never': never },
    });
    assert.equal(muter.mutes(firing(), t('2026-03-06T22:00Z')), null);
  });
});
