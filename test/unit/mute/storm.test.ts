import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inStorm,
  observe,
  STORM_QUIET_MS,
  type StormLimit,
  StormMuter,
  type StormState,
  stormEndsAt,
  stormLimit,
  stormStarted,
} from '../../../router/mute/storm.ts';
import { firing, MINUTE, tenantConfig } from './helpers.ts';

const T0 = Date.parse('2026-03-09T10:00:00Z');
const SECOND = 1000;
const limit3: StormLimit = { perMinute: 3, counts: 'incidents' };

/** Feeds events at the given offsets (ms after T0); returns the final state and how many storms started. */
function feed(offsets: number[], limit = limit3, from: StormState | null = null) {
  let state = from;
  let started = 0;
  for (const o of offsets) {
    const next = observe(state, T0 + o, limit);
    if (stormStarted(state, next)) started++;
    state = next;
  }
  return { state, started };
}

describe('stormLimit', () => {
  it('new incidents per minute win over alerts per minute; neither means no storm mode', () => {
    assert.deepEqual(stormLimit({ alertsPerMinute: 600, newIncidentsPerMinute: 30 }), {
      perMinute: 30,
      counts: 'incidents',
    });
    assert.deepEqual(stormLimit({ alertsPerMinute: 600, newIncidentsPerMinute: null }), {
      perMinute: 600,
      counts: 'alerts',
    });
    assert.equal(stormLimit({ alertsPerMinute: null, newIncidentsPerMinute: null }), null);
  });
});

describe('observe: entering and leaving storm mode', () => {
  const cases: { name: string; offsets: number[]; now: number; storm: boolean; started: number }[] = [
    {
      name: 'at the limit: no storm',
      offsets: [0, 10, 20].map((s) => s * SECOND),
      now: 21 * SECOND,
      storm: false,
      started: 0,
    },
    {
      name: 'one over the limit within a minute: storm',
      offsets: [0, 10, 20, 30].map((s) => s * SECOND),
      now: 31 * SECOND,
      storm: true,
      started: 1,
    },
    {
      name: 'four spread over more than a minute: no storm',
      offsets: [0, 20, 40, 60].map((s) => s * SECOND),
      now: 61 * SECOND,
      storm: false,
      started: 0,
    },
    {
      name: 'storm goes on while over the limit, and starts once',
      offsets: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => s * SECOND),
      now: 8 * SECOND,
      storm: true,
      started: 1,
    },
    {
      name: 'ends by itself after the quiet period',
      offsets: [0, 1, 2, 3].map((s) => s * SECOND),
      now: 3 * SECOND + STORM_QUIET_MS,
      storm: false,
      started: 1,
    },
    {
      name: 'one second before the quiet period is over',
      offsets: [0, 1, 2, 3].map((s) => s * SECOND),
      now: 2 * SECOND + STORM_QUIET_MS,
      storm: true,
      started: 1,
    },
    // A trickle under the limit does not keep the storm up: it ends 5 minutes after the last minute over it.
    {
      name: 'a trickle under the limit lets it end',
      offsets: [0, 1, 2, 3, 64, 124, 184, 244].map((s) => s * SECOND),
      now: 3 * SECOND + STORM_QUIET_MS,
      storm: false,
      started: 1,
    },
    // A second burst after the storm ended starts a second storm (and a second storm incident).
    {
      name: 'a later burst is a new storm',
      offsets: [0, 1, 2, 3, 600, 601, 602, 603].map((s) => s * SECOND),
      now: 604 * SECOND,
      storm: true,
      started: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { state, started } = feed(c.offsets);
      assert.equal(inStorm(state, T0 + c.now), c.storm);
      assert.equal(started, c.started);
    });
  }

  it('a storm of 5,000 in ten seconds starts once and keeps a bounded state', () => {
    const limit30: StormLimit = { perMinute: 30, counts: 'incidents' };
    const { state, started } = feed(
      Array.from({ length: 5000 }, (_, i) => i * 2),
      limit30,
    );
    assert.equal(started, 1);
    assert.equal(state?.stormSince, T0 + 30 * 2, 'the 31st started it');
    assert.ok((state?.recent.length ?? 0) <= 30);
    assert.equal(stormEndsAt(state), T0 + 4999 * 2 + STORM_QUIET_MS);
    assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  });
});

describe('StormMuter', () => {
  const tenants = {
    acme: tenantConfig({ limits: { alertsPerMinute: null, newIncidentsPerMinute: 3 } }),
    globex: tenantConfig({ name: 'globex', limits: { alertsPerMinute: null, newIncidentsPerMinute: 3 } }),
    initech: tenantConfig({ name: 'initech' }),
  };
  const acmeStorm = feed([0, 1, 2, 3].map((s) => s * SECOND)).state;
  const states = new Map<string, StormState | null>([
    ['acme', acmeStorm],
    ['globex', feed([0]).state],
    ['initech', acmeStorm], // a state without limits (limits removed by a config change) mutes nothing
  ]);
  const muter = new StormMuter(tenants, (t) => states.get(t) ?? null);
  const now = T0 + 10 * SECOND;

  it('mutes every alert of the tenant in storm mode, with no re-check time', () => {
    const v = muter.mutes(firing({ tenant: 'acme', severity: 'critical' }), now);
    assert.equal(v?.reason, 'storm');
    assert.equal(v?.until, null);
    assert.match(
      v?.detail ?? '',
      /tenant acme is in storm mode since 2026-03-09T10:00Z \(more than 3 new incidents per minute\)/,
    );
  });

  it("another tenant's single alert pages normally", () => {
    assert.equal(muter.mutes(firing({ tenant: 'globex' }), now), null);
  });

  it('a tenant without limits is never in storm mode', () => {
    assert.equal(muter.mutes(firing({ tenant: 'initech' }), now), null);
  });

  it('after the quiet period the tenant pages again', () => {
    assert.equal(muter.mutes(firing({ tenant: 'acme' }), T0 + 3 * SECOND + STORM_QUIET_MS), null);
    assert.equal(muter.mutes(firing({ tenant: 'acme' }), T0 + 3 * SECOND + STORM_QUIET_MS - MINUTE)?.reason, 'storm');
  });
});
