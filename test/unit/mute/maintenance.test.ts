import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceWindowConfig } from '../../../router/config/compiled.ts';
import { MaintenanceMuter } from '../../../router/mute/maintenance.ts';
import { firing, ms } from './helpers.ts';

const t = Date.parse;
const SUN = 7;
const SAT = 6;
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const hm = (h: number, m = 0) => h * 60 + m;

function recurring(
  name: string,
  days: number[],
  from: number,
  to: number,
  timezone: string,
  over: Partial<MaintenanceWindowConfig> = {},
): MaintenanceWindowConfig {
  return {
    key: `msp/${name}`,
    name,
    tenant: 'acme',
    matchers: [],
    oneOff: null,
    recurrence: { days, from, to, timezone },
    comment: `${name} comment`,
    ...over,
  };
}

function oneOff(name: string, start: string, end: string, over: Partial<MaintenanceWindowConfig> = {}) {
  return {
    key: `msp/${name}`,
    name,
    tenant: 'acme',
    matchers: [],
    oneOff: { start: t(start), end: t(end) },
    recurrence: null,
    comment: '',
    ...over,
  } satisfies MaintenanceWindowConfig;
}

// acme's weekly patch window from examples/msp: Sunday 22:00 until Monday 02:00, Berlin.
const sundayPatching = recurring('sunday-patching', [SUN], hm(22), hm(2), 'Europe/Berlin', {
  matchers: ms('env="prod"', 'service=~"sap-.*|exchange"'),
});
const sapProd = { alertname: 'HostDown', env: 'prod', service: 'sap-erp' };

describe('MaintenanceMuter: when windows are active', () => {
  const cases: {
    name: string;
    window: MaintenanceWindowConfig;
    labels?: Record<string, string>;
    now: string;
    until: string | null;
  }[] = [
    // A window crossing midnight: opens Sunday, runs into Monday.
    {
      name: 'Sunday 23:00 in the overnight window',
      window: sundayPatching,
      labels: sapProd,
      now: '2026-03-08T23:00+01:00',
      until: '2026-03-09T02:00+01:00',
    },
    {
      name: 'Monday 01:59 still in it (the part after midnight)',
      window: sundayPatching,
      labels: sapProd,
      now: '2026-03-09T01:59+01:00',
      until: '2026-03-09T02:00+01:00',
    },
    {
      name: 'Monday 02:00: closed (half-open)',
      window: sundayPatching,
      labels: sapProd,
      now: '2026-03-09T02:00+01:00',
      until: null,
    },
    {
      name: 'Sunday 21:59: not yet open',
      window: sundayPatching,
      labels: sapProd,
      now: '2026-03-08T21:59+01:00',
      until: null,
    },
    {
      name: 'Sunday 22:00: open at the opening instant',
      window: sundayPatching,
      labels: sapProd,
      now: '2026-03-08T22:00+01:00',
      until: '2026-03-09T02:00+01:00',
    },
    {
      name: 'Monday 23:00: the window opens on Sundays only',
      window: sundayPatching,
      labels: sapProd,
      now: '2026-03-09T23:00+01:00',
      until: null,
    },
    // Scoped: only the matching alerts.
    {
      name: 'a dev alert in the window',
      window: sundayPatching,
      labels: { ...sapProd, env: 'dev' },
      now: '2026-03-08T23:00+01:00',
      until: null,
    },
    {
      name: 'another service in the window',
      window: sundayPatching,
      labels: { ...sapProd, service: 'crm' },
      now: '2026-03-08T23:00+01:00',
      until: null,
    },
    // Berlin spring-forward (2026-03-29, 02:00 CET -> 03:00 CEST): 01:00-04:00 is two real hours.
    {
      name: 'Berlin spring DST: 03:30 CEST in a 01:00-04:00 window',
      window: recurring('spring', [SUN], hm(1), hm(4), 'Europe/Berlin'),
      now: '2026-03-29T03:30+02:00',
      until: '2026-03-29T04:00+02:00',
    },
    {
      name: 'Berlin spring DST: 00:59 CET before it',
      window: recurring('spring', [SUN], hm(1), hm(4), 'Europe/Berlin'),
      now: '2026-03-29T00:59+01:00',
      until: null,
    },
    // Overnight across the gap: Saturday 22:00 until 02:30, a time that does not exist, read as 03:00 CEST.
    {
      name: 'Berlin spring DST: overnight window closing in the gap',
      window: recurring('gap', [SAT], hm(22), hm(2, 30), 'Europe/Berlin'),
      now: '2026-03-29T01:30+01:00',
      until: '2026-03-29T03:00+02:00',
    },
    {
      name: 'Berlin spring DST: just after the gap the window is closed',
      window: recurring('gap', [SAT], hm(22), hm(2, 30), 'Europe/Berlin'),
      now: '2026-03-29T03:00+02:00',
      until: null,
    },
    // Berlin fall-back (2026-10-25, 03:00 CEST -> 02:00 CET): Saturday 22:00-06:00 is nine real hours.
    {
      name: 'Berlin fall DST: 05:30 CET in the 9-hour night',
      window: recurring('fall', [SAT], hm(22), hm(6), 'Europe/Berlin'),
      now: '2026-10-25T05:30+01:00',
      until: '2026-10-25T06:00+01:00',
    },
    {
      name: 'Berlin fall DST: 22:00 CEST opening',
      window: recurring('fall', [SAT], hm(22), hm(6), 'Europe/Berlin'),
      now: '2026-10-24T22:00+02:00',
      until: '2026-10-25T06:00+01:00',
    },
    // New York spring-forward (2026-03-08, 02:00 EST -> 03:00 EDT): 01:00-03:00 is one real hour.
    {
      name: 'New York spring DST: 01:30 EST',
      window: recurring('ny-spring', EVERY_DAY, hm(1), hm(3), 'America/New_York'),
      now: '2026-03-08T01:30-05:00',
      until: '2026-03-08T03:00-04:00',
    },
    {
      name: 'New York spring DST: 03:00 EDT closed',
      window: recurring('ny-spring', EVERY_DAY, hm(1), hm(3), 'America/New_York'),
      now: '2026-03-08T03:00-04:00',
      until: null,
    },
    // New York fall-back (2026-11-01, 02:00 EDT -> 01:00 EST): 01:00-03:00 is three real hours; the second
    // 01:30 (EST) is inside it.
    {
      name: 'New York fall DST: the second 01:30',
      window: recurring('ny-fall', EVERY_DAY, hm(1), hm(3), 'America/New_York'),
      now: '2026-11-01T01:30-05:00',
      until: '2026-11-01T03:00-05:00',
    },
    {
      name: 'New York fall DST: the first 01:00',
      window: recurring('ny-fall', EVERY_DAY, hm(1), hm(3), 'America/New_York'),
      now: '2026-11-01T01:00-04:00',
      until: '2026-11-01T03:00-05:00',
    },
    // One-off windows: [start, end).
    {
      name: 'one-off: at its start',
      window: oneOff('move', '2027-01-16T00:00Z', '2027-01-17T12:00Z'),
      now: '2027-01-16T00:00Z',
      until: '2027-01-17T12:00Z',
    },
    {
      name: 'one-off: just before its end',
      window: oneOff('move', '2027-01-16T00:00Z', '2027-01-17T12:00Z'),
      now: '2027-01-17T11:59:59Z',
      until: '2027-01-17T12:00Z',
    },
    {
      name: 'one-off: at its end',
      window: oneOff('move', '2027-01-16T00:00Z', '2027-01-17T12:00Z'),
      now: '2027-01-17T12:00Z',
      until: null,
    },
    {
      name: 'one-off: before',
      window: oneOff('move', '2027-01-16T00:00Z', '2027-01-17T12:00Z'),
      now: '2027-01-15T23:59Z',
      until: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const muter = new MaintenanceMuter([c.window]);
      const verdict = muter.mutes(firing({ labels: c.labels ?? { alertname: 'X' } }), t(c.now));
      if (c.until === null) assert.equal(verdict, null);
      else {
        assert.equal(verdict?.reason, 'maintenance');
        assert.equal(verdict?.until, t(c.until));
        assert.match(verdict?.detail ?? '', new RegExp(c.window.key));
      }
    });
  }
});

describe('MaintenanceMuter: scope', () => {
  const wholeTenant = oneOff('all', '2026-06-01T00:00Z', '2026-06-02T00:00Z', { comment: 'office move' });
  const now = t('2026-06-01T12:00Z');

  it('a window without matchers mutes every alert of its tenant, and says why', () => {
    const v = new MaintenanceMuter([wholeTenant]).mutes(firing({ labels: { anything: 'at all' } }), now);
    assert.equal(v?.until, t('2026-06-02T00:00Z'));
    assert.match(v?.detail ?? '', /the whole tenant.*office move/);
  });

  it('never mutes another tenant', () => {
    assert.equal(new MaintenanceMuter([wholeTenant]).mutes(firing({ tenant: 'globex' }), now), null);
  });

  it('matchers see the normalised severity', () => {
    const w = oneOff('crit', '2026-06-01T00:00Z', '2026-06-02T00:00Z', { matchers: ms('severity="warning"') });
    const muter = new MaintenanceMuter([w]);
    assert.equal(muter.mutes(firing({ severity: 'warning', labels: {} }), now)?.reason, 'maintenance');
    assert.equal(muter.mutes(firing({ severity: 'critical', labels: { severity: 'warning' } }), now), null);
  });

  it('of overlapping windows, until is the end of the one that ends last', () => {
    const short = oneOff('short', '2026-06-01T00:00Z', '2026-06-01T13:00Z');
    const long = recurring('long', EVERY_DAY, hm(10), hm(16), 'Etc/UTC');
    const v = new MaintenanceMuter([short, long]).mutes(firing(), now);
    assert.equal(v?.until, t('2026-06-01T16:00Z'));
  });
});
