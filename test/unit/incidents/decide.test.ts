import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../../router/alert.ts';
import { parseMatcher } from '../../../router/config/matchers.ts';
import {
  alertFiringIn,
  alertResolvedIn,
  applyManual,
  decideAlert,
  groupOf,
  maxSeverity,
  openIncident,
  resolveWhenQuiet,
  route,
} from '../../../router/incidents/decide.ts';
import type { AlertState } from '../../../router/incidents/model.ts';
import { tenantConfig } from '../mute/helpers.ts';

const T0 = Date.parse('2026-11-26T10:00:00Z');

const tenant = tenantConfig;

const alert = (over: Partial<Alert> = {}): Alert => ({
  tenant: 'acme',
  source: 'generic',
  fingerprint: 'fp1',
  status: 'firing',
  severity: 'warning',
  summary: 'Disk full',
  labels: { alertname: 'DiskFull', instance: 'db01' },
  annotations: {},
  startsAt: '2026-11-26T09:59:00Z',
  receivedAt: '2026-11-26T10:00:00Z',
  ...over,
});

const state = (status: 'firing' | 'resolved', changedAt: string): AlertState => ({
  fingerprint: 'fp1',
  source: 'generic',
  status,
  severity: 'warning',
  summary: 'Disk full',
  labels: {},
  annotations: {},
  startsAt: changedAt,
  endsAt: null,
  changedAt,
  receivedAt: changedAt,
  incidentId: 'i1',
});

describe('decideAlert', () => {
  const cases: [string, AlertState | null, Partial<Alert>, ReturnType<typeof decideAlert>][] = [
    // A first firing opens or joins an incident.
    ['new firing', null, {}, 'fire'],
    // The same alert firing again is a duplicate.
    ['repeat while firing', state('firing', '2026-11-26T09:59:00Z'), {}, 'duplicate'],
    // Resolved while firing.
    [
      'resolve',
      state('firing', '2026-11-26T09:59:00Z'),
      { status: 'resolved', endsAt: '2026-11-26T10:05:00Z' },
      'resolve',
    ],
    // Firing again after a resolve, with a later start.
    ['re-fire', state('resolved', '2026-11-26T10:05:00Z'), { startsAt: '2026-11-26T10:10:00Z' }, 'fire'],
    // A firing that started before the known resolve arrived late: stale.
    [
      'late firing after resolve',
      state('resolved', '2026-11-26T10:05:00Z'),
      { startsAt: '2026-11-26T10:00:00Z' },
      'stale',
    ],
    // A resolve of an alert never seen firing.
    ['unknown resolve', null, { status: 'resolved', endsAt: '2026-11-26T10:05:00Z' }, 'resolved-unknown'],
    // A resolve older than the current firing: stale.
    [
      'late resolve',
      state('firing', '2026-11-26T10:10:00Z'),
      { status: 'resolved', endsAt: '2026-11-26T10:05:00Z' },
      'stale',
    ],
  ];
  for (const [name, prev, over, want] of cases) {
    it(name, () => assert.equal(decideAlert(prev, alert(over)), want));
  }
});

describe('grouping and routing', () => {
  it('groups by the listed labels, missing ones as empty', () => {
    const a = groupOf(tenant({ groupBy: ['alertname', 'cluster'] }), { alertname: 'X', instance: 'a' });
    const b = groupOf(tenant({ groupBy: ['alertname', 'cluster'] }), { alertname: 'X', instance: 'b' });
    assert.equal(a.key, b.key);
    assert.deepEqual(a.labels, { alertname: 'X', cluster: '' });
  });

  it('groups by every label with "..."', () => {
    const t = tenant({ groupBy: ['...'] });
    assert.notEqual(groupOf(t, { a: '1', b: '2' }).key, groupOf(t, { a: '1', b: '3' }).key);
    assert.equal(groupOf(t, { a: '1', b: '2' }).key, groupOf(t, { b: '2', a: '1' }).key);
  });

  it('first matching route wins; severity matchers see the normalised severity', () => {
    const t = tenant({
      routes: [
        { matchers: [parseMatcher('severity=~"critical|high"')], escalationPolicy: 'msp/night', severity: null },
        { matchers: [parseMatcher('env="dev"')], escalationPolicy: null, severity: 'info' },
      ],
    });
    assert.deepEqual(route(t, alert({ severity: 'critical' })), { severity: 'critical', policy: 'msp/night' });
    assert.deepEqual(route(t, alert({ labels: { env: 'dev' } })), { severity: 'info', policy: 'msp/default' });
    assert.deepEqual(route(t, alert()), { severity: 'warning', policy: 'msp/default' });
  });

  it('orders severities', () => {
    assert.equal(maxSeverity('warning', 'critical'), 'critical');
    assert.equal(maxSeverity('high', 'info'), 'high');
  });
});

describe('incident transitions', () => {
  const open = () =>
    openIncident('i1', tenant(), groupOf(tenant(), alert().labels), 'msp/default', 'warning', alert(), T0);

  it('a firing alert joins; repeating it changes nothing and restates the same event', () => {
    const once = alertFiringIn(open(), undefined, alert(), 'warning', T0);
    assert.deepEqual(once.membership, { status: 'firing', since: '2026-11-26T09:59:00Z' });
    assert.deepEqual(
      once.events.map((e) => e.type),
      ['alert.firing'],
    );
    const twice = alertFiringIn(
      once.incident,
      once.membership ?? undefined,
      alert({ startsAt: '2026-11-26T10:30:00Z' }),
      'warning',
      T0 + 1000,
    );
    assert.equal(twice.changed, false);
    assert.equal(twice.membership, null);
    // The restated event carries the time first recorded, so it has the same id.
    assert.equal(twice.events[0]?.changedAt, '2026-11-26T09:59:00Z');
  });

  it('raises severity with a more severe alert and records the change; detection time is the earliest start', () => {
    const a = alertFiringIn(open(), undefined, alert(), 'warning', T0).incident;
    const b = alertFiringIn(
      a,
      undefined,
      alert({ fingerprint: 'fp2', startsAt: '2026-11-26T09:50:00Z' }),
      'critical',
      T0 + 1000,
    );
    assert.equal(b.incident.severity, 'critical');
    assert.equal(b.incident.startsAt, '2026-11-26T09:50:00.000Z');
    assert.deepEqual(
      b.events.map((e) => e.type),
      ['alert.firing', 'incident.severity_changed'],
    );
  });

  it('resolves the incident when the last firing alert resolves', () => {
    const i = alertFiringIn(open(), undefined, alert(), 'warning', T0).incident;
    const firing = { status: 'firing' as const, since: '2026-11-26T09:59:00Z' };
    const stillOne = alertResolvedIn(
      i,
      firing,
      alert({ status: 'resolved', endsAt: '2026-11-26T10:05:00Z' }),
      T0 + 300_000,
      1,
    );
    assert.equal(stillOne.incident.status, 'triggered');
    assert.deepEqual(stillOne.membership, { status: 'resolved', since: '2026-11-26T10:05:00Z' });
    const last = alertResolvedIn(
      i,
      firing,
      alert({ status: 'resolved', endsAt: '2026-11-26T10:05:00Z' }),
      T0 + 400_000,
      0,
    );
    assert.equal(last.incident.status, 'resolved');
    assert.equal(last.incident.resolvedAt, new Date(T0 + 400_000).toISOString());
    assert.deepEqual(
      last.events.map((e) => e.type),
      ['alert.resolved', 'incident.resolved'],
    );
    // Resolving again changes nothing, but restates its events (idempotent by event id).
    const again = alertResolvedIn(
      last.incident,
      { status: 'resolved', since: '2026-11-26T10:05:00Z' },
      alert({ status: 'resolved' }),
      T0 + 500_000,
      0,
    );
    assert.equal(again.changed, false);
    assert.equal(again.membership, null);
    assert.deepEqual(
      again.events.map((e) => e.type),
      ['alert.resolved', 'incident.resolved'],
    );
  });

  it('a quiet incident resolves; one with firing alerts does not', () => {
    const i = open();
    assert.equal(resolveWhenQuiet(i, 2, T0).changed, false);
    const r = resolveWhenQuiet(i, 0, T0);
    assert.equal(r.incident.status, 'resolved');
    assert.equal(r.incident.resolvedBy, 'all alerts resolved');
  });

  it('manual actions: ack once, resolve acknowledges too, nothing after resolve', () => {
    const i = open();
    const acked = applyManual(i, { kind: 'acknowledge', by: 'alice' }, T0 + 60_000);
    assert.ok(!('error' in acked));
    assert.equal(acked.incident.acknowledgedAt, new Date(T0 + 60_000).toISOString());
    const again = applyManual(acked.incident, { kind: 'acknowledge', by: 'bob' }, T0 + 120_000);
    assert.ok(!('error' in again) && !again.changed && again.incident.acknowledgedBy === 'alice');
    const resolved = applyManual(i, { kind: 'resolve', by: 'carol' }, T0 + 90_000);
    assert.ok(!('error' in resolved));
    assert.equal(resolved.incident.acknowledgedBy, 'carol');
    assert.deepEqual(
      resolved.events.map((e) => e.type),
      ['incident.acknowledged', 'incident.resolved'],
    );
    assert.deepEqual(applyManual(resolved.incident, { kind: 'acknowledge', by: 'x' }, T0), {
      error: 'incident i1 is already resolved',
    });
  });
});
