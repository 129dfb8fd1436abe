// The suppression stage as the pipeline asks it (router/mute/suppression.ts): the first reason in the fixed
// order wins, config and silence changes take effect at once, and the pure incident transitions that turn
// a verdict into paging or not (router/incidents/decide.ts: openIncident, alertFiringIn, startPaging).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouterConfig } from '../../../router/config/compiled.ts';
import { alertFiringIn, groupOf, openIncident, startPaging } from '../../../router/incidents/decide.ts';
import { recordChange } from '../../../router/mute/flapping.ts';
import type { Silence } from '../../../router/mute/silence.ts';
import { Suppression } from '../../../router/mute/suppression.ts';
import { firing, HOUR, MINUTE, ms, tenantConfig } from './helpers.ts';

const NOW = Date.parse('2026-03-09T08:00:00Z');

function config(over: Partial<RouterConfig> = {}): RouterConfig {
  const acme = tenantConfig({
    inhibitRules: [{ source: ms('alertname="NodeDown"'), target: ms('alertname="DiskFull"'), equal: ['instance'] }],
  });
  return {
    hash: 'h',
    tenants: { acme, globex: tenantConfig({ name: 'globex' }) },
    serviceLevels: {},
    schedules: {},
    policies: {},
    responders: {},
    channels: {},
    maintenanceWindows: [],
    ...over,
  };
}

const window = (start: number, end: number) => ({
  key: 'msp/w',
  name: 'w',
  tenant: 'acme',
  matchers: [],
  oneOff: { start, end },
  recurrence: null,
  comment: 'patching',
});

const silence = (over: Partial<Silence> = {}): Silence => ({
  id: 's1',
  tenant: 'acme',
  matchers: ms('alertname="DiskFull"'),
  startsAt: new Date(NOW - HOUR).toISOString(),
  endsAt: new Date(NOW + HOUR).toISOString(),
  createdBy: 'jane',
  comment: 'disks',
  createdAt: new Date(NOW - HOUR).toISOString(),
  updatedAt: new Date(NOW - HOUR).toISOString(),
  expiredBy: null,
  ...over,
});

describe('Suppression', () => {
  it('nothing configured: every firing alert pages', () => {
    assert.equal(new Suppression(config()).verdict(firing(), null, NOW), null);
  });

  it('maintenance comes before a silence, a silence before inhibition; the first reason is the one given', () => {
    const s = new Suppression(config({ maintenanceWindows: [window(NOW - HOUR, NOW + 30 * MINUTE)] }), [silence()]);
    s.inhibition.firing(firing({ fingerprint: 'node', labels: { alertname: 'NodeDown', instance: 'db01' } }));
    const v = s.verdict(firing(), null, NOW);
    assert.equal(v?.reason, 'maintenance');
    assert.equal(v?.until, NOW + 30 * MINUTE);
    assert.equal(s.verdict(firing(), null, NOW + 30 * MINUTE)?.reason, 'silence');
    assert.equal(s.verdict(firing(), null, NOW + HOUR)?.reason, 'inhibited');
    s.inhibition.resolved({ tenant: 'acme', fingerprint: 'node' });
    assert.equal(s.verdict(firing(), null, NOW + HOUR), null);
  });

  it('a resolved alert is never muted', () => {
    const s = new Suppression(config(), [silence()]);
    assert.equal(s.verdict(firing({ status: 'resolved' }), null, NOW), null);
  });

  it('setSilences and setConfig take effect at the next question', () => {
    const s = new Suppression(config(), [silence()]);
    assert.equal(s.verdict(firing(), null, NOW)?.reason, 'silence');
    s.setSilences([silence({ endsAt: new Date(NOW - 1).toISOString(), expiredBy: 'jane' })]);
    assert.equal(s.verdict(firing(), null, NOW), null);
    s.setConfig(config({ maintenanceWindows: [window(NOW - HOUR, NOW + HOUR)] }));
    assert.equal(s.verdict(firing(), null, NOW)?.reason, 'maintenance');
    assert.equal(s.verdict(firing({ tenant: 'globex' }), null, NOW), null, 'other tenants unaffected');
  });

  it('flapping uses the state handed in', () => {
    const s = new Suppression(config());
    const settings = { changes: 2, windowMs: HOUR, stableForMs: 10 * MINUTE };
    s.setConfig(config({ tenants: { acme: tenantConfig({ flapping: settings }) } }));
    let flap = recordChange(null, { at: NOW - 3 * MINUTE, status: 'firing' }, settings);
    flap = recordChange(flap, { at: NOW - 2 * MINUTE, status: 'resolved' }, settings);
    flap = recordChange(flap, { at: NOW - MINUTE, status: 'firing' }, settings);
    const paging = firing({ startsAt: new Date(NOW - MINUTE).toISOString() });
    assert.equal(s.verdict(paging, flap, NOW), null, 'the one page of the episode');
    flap = recordChange(flap, { at: NOW - 30_000, status: 'resolved' }, settings);
    flap = recordChange(flap, { at: NOW, status: 'firing' }, settings);
    const v = s.verdict(firing({ startsAt: new Date(NOW).toISOString() }), flap, NOW);
    assert.equal(v?.reason, 'flapping');
    assert.equal(v?.until, NOW + 10 * MINUTE);
  });
});

describe('paging transitions', () => {
  const tenant = tenantConfig();
  const a = firing();
  const group = groupOf(tenant, a.labels);

  it('an incident opened by a muted alert does not page; one opened by an unmuted alert pages from its opening', () => {
    assert.equal(openIncident('i1', tenant, group, 'p', 'warning', a, NOW, false).pagingSince, null);
    assert.equal(openIncident('i1', tenant, group, 'p', 'warning', a, NOW).pagingSince, new Date(NOW).toISOString());
  });

  it('an unmuted alert joining a muted incident starts paging it, once', () => {
    const muted = openIncident('i1', tenant, group, 'p', 'warning', a, NOW, false);
    const stillMuted = alertFiringIn(muted, undefined, a, 'warning', NOW, false);
    assert.equal(stillMuted.incident.pagingSince, null);
    assert.ok(!stillMuted.events.some((e) => e.type === 'incident.paging'));
    const b = firing({ fingerprint: 'fp2' });
    const t = alertFiringIn(muted, undefined, b, 'warning', NOW + MINUTE, true);
    assert.equal(t.incident.pagingSince, new Date(NOW + MINUTE).toISOString());
    assert.ok(t.changed);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['alert.firing', 'incident.paging'],
    );
    const again = alertFiringIn(t.incident, undefined, firing({ fingerprint: 'fp3' }), 'warning', NOW + HOUR, true);
    assert.equal(again.incident.pagingSince, new Date(NOW + MINUTE).toISOString());
  });

  it('startPaging is idempotent and leaves resolved or legacy incidents alone', () => {
    const muted = openIncident('i1', tenant, group, 'p', 'warning', a, NOW, false);
    const t = startPaging(muted, NOW + HOUR, 'window ended');
    assert.equal(t.incident.pagingSince, new Date(NOW + HOUR).toISOString());
    assert.deepEqual(
      t.events.map((e) => [e.type, e.text]),
      [['incident.paging', 'window ended']],
    );
    assert.equal(startPaging(t.incident, NOW + 2 * HOUR, 'x').changed, false);
    assert.equal(startPaging({ ...muted, status: 'resolved' }, NOW, 'x').changed, false);
    const { pagingSince: _, ...legacy } = muted;
    assert.equal(startPaging(legacy, NOW, 'x').changed, false);
  });
});
