import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueAt, isNewlyMissed, missedAlert, recoveredAlert } from '../../../router/heartbeats/decide.ts';

const h = { name: 'watchdog', intervalMs: 300_000, severity: 'critical' as const, summary: 'Watchdog missed' };
const T0 = Date.parse('2026-11-26T10:00:00Z');

describe('heartbeats', () => {
  const cases: [string, { armedAt: number; lastPingAt: number | null; missedAt: number | null }, number, boolean][] = [
    // Never pinged: the first interval counts from when it was armed.
    ['armed, within the interval', { armedAt: T0, lastPingAt: null, missedAt: null }, T0 + 299_000, false],
    ['armed, past the interval', { armedAt: T0, lastPingAt: null, missedAt: null }, T0 + 300_001, true],
    // Pinged: counts from the last ping.
    ['pinged recently', { armedAt: T0, lastPingAt: T0 + 200_000, missedAt: null }, T0 + 400_000, false],
    ['exactly at the deadline is not late', { armedAt: T0, lastPingAt: T0, missedAt: null }, T0 + 300_000, false],
    // Already raised: not raised again.
    ['already missed', { armedAt: T0, lastPingAt: null, missedAt: T0 + 300_000 }, T0 + 900_000, false],
  ];
  for (const [name, s, now, want] of cases) it(name, () => assert.equal(isNewlyMissed(h, s, now), want));

  it('raises a critical alert that starts when the heartbeat became overdue, and resolves it at the ping', () => {
    const s = { armedAt: T0, lastPingAt: T0 + 60_000, missedAt: null };
    assert.equal(dueAt(h, s), T0 + 360_000);
    const missed = missedAlert('acme', h, s);
    assert.equal(missed.status, 'firing');
    assert.equal(missed.severity, 'critical');
    assert.equal(missed.startsAt, new Date(T0 + 360_000).toISOString());
    assert.deepEqual(missed.labels, { alertname: 'HeartbeatMissed', heartbeat: 'watchdog', tenant: 'acme' });
    const back = recoveredAlert('acme', h, { ...s, missedAt: T0 + 360_000 }, T0 + 500_000);
    assert.equal(back.status, 'resolved');
    assert.equal(back.fingerprint, missed.fingerprint);
    assert.equal(back.endsAt, new Date(T0 + 500_000).toISOString());
  });
});
