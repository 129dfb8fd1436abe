import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../../router/alert.ts';
import type { AlertState } from '../../../router/incidents/model.ts';
import { InhibitionIndex, InhibitMuter } from '../../../router/mute/inhibit.ts';
import { muteAll } from '../../../router/mute/muter.ts';
import { firing, ms, tenantConfig } from './helpers.ts';

const NOW = Date.parse('2026-03-09T10:00Z');

// acme: NodeDown mutes ServiceDown/HighLatency on the same instance; critical mutes the warning of the same
// alertname on the same instance. globex: an uplink mutes everything else at the same site. initech: none.
const tenants = {
  acme: tenantConfig({
    inhibitRules: [
      { source: ms('alertname="NodeDown"'), target: ms('alertname=~"ServiceDown|HighLatency"'), equal: ['instance'] },
      { source: ms('severity="critical"'), target: ms('severity="warning"'), equal: ['alertname', 'instance'] },
    ],
  }),
  globex: tenantConfig({
    name: 'globex',
    inhibitRules: [{ source: ms('component="uplink"'), target: ms('component!="uplink"'), equal: ['site'] }],
  }),
  initech: tenantConfig({ name: 'initech' }),
};

const nodeDown = (instance: string, tenant = 'acme') =>
  firing({
    tenant,
    fingerprint: `node-${instance}`,
    severity: 'critical',
    summary: `${instance} down`,
    labels: { alertname: 'NodeDown', instance },
  });
const serviceDown = (instance: string, tenant = 'acme') =>
  firing({ tenant, fingerprint: `svc-${instance}`, severity: 'high', labels: { alertname: 'ServiceDown', instance } });

function indexWith(...alerts: Alert[]): InhibitionIndex {
  const index = new InhibitionIndex(tenants);
  for (const a of alerts) index.firing(a);
  return index;
}

describe('InhibitMuter', () => {
  const cases: { name: string; firingAlerts: Alert[]; target: Alert; inhibited: boolean }[] = [
    {
      name: 'source and target with equal instance',
      firingAlerts: [nodeDown('web01')],
      target: serviceDown('web01'),
      inhibited: true,
    },
    { name: 'equal label differs', firingAlerts: [nodeDown('web01')], target: serviceDown('web02'), inhibited: false },
    { name: 'no source firing', firingAlerts: [], target: serviceDown('web01'), inhibited: false },
    {
      name: 'target matchers do not match',
      firingAlerts: [nodeDown('web01')],
      target: firing({ labels: { alertname: 'DiskFull', instance: 'web01' } }),
      inhibited: false,
    },
    {
      name: 'equal label missing on both sides counts as equal',
      firingAlerts: [firing({ fingerprint: 'n', labels: { alertname: 'NodeDown' } })],
      target: firing({ fingerprint: 's', labels: { alertname: 'HighLatency' } }),
      inhibited: true,
    },
    {
      name: 'equal label missing on one side only',
      firingAlerts: [firing({ fingerprint: 'n', labels: { alertname: 'NodeDown' } })],
      target: firing({ fingerprint: 's', labels: { alertname: 'HighLatency', instance: 'web01' } }),
      inhibited: false,
    },
    {
      name: 'severity rule uses the normalised severity: critical mutes warning of the same name and instance',
      firingAlerts: [
        firing({ fingerprint: 'disk-95', severity: 'critical', labels: { alertname: 'DiskFull', instance: 'db01' } }),
      ],
      target: firing({
        fingerprint: 'disk-85',
        severity: 'warning',
        labels: { alertname: 'DiskFull', instance: 'db01' },
      }),
      inhibited: true,
    },
    {
      name: 'across tenants: acme node down never mutes globex',
      firingAlerts: [nodeDown('web01')],
      target: serviceDown('web01', 'globex'),
      inhibited: false,
    },
    {
      name: 'without rules nothing is inhibited',
      firingAlerts: [nodeDown('web01', 'initech')],
      target: serviceDown('web01', 'initech'),
      inhibited: false,
    },
    {
      name: 'globex: uplink mutes the printers of its site',
      firingAlerts: [
        firing({ tenant: 'globex', fingerprint: 'wan', labels: { component: 'uplink', site: 'branch-7' } }),
      ],
      target: firing({ tenant: 'globex', fingerprint: 'prn', labels: { component: 'printer', site: 'branch-7' } }),
      inhibited: true,
    },
    {
      name: 'globex: not the uplink itself (it is no target)',
      firingAlerts: [
        firing({ tenant: 'globex', fingerprint: 'wan', labels: { component: 'uplink', site: 'branch-7' } }),
      ],
      target: firing({ tenant: 'globex', fingerprint: 'wan2', labels: { component: 'uplink', site: 'branch-7' } }),
      inhibited: false,
    },
    {
      name: 'an alert matching source and target is not inhibited by itself',
      firingAlerts: [firing({ fingerprint: 'self', severity: 'critical', labels: { alertname: 'X' } })],
      target: firing({ fingerprint: 'self', severity: 'critical', labels: { alertname: 'X' } }),
      inhibited: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = new InhibitMuter(indexWith(...c.firingAlerts)).mutes(c.target);
      assert.equal(v?.reason ?? null, c.inhibited ? 'inhibited' : null);
      if (c.inhibited) assert.equal(v?.until, null);
    });
  }

  it('the detail names the source alert and the rule', () => {
    const v = new InhibitMuter(indexWith(nodeDown('web01'))).mutes(serviceDown('web01'));
    assert.match(v?.detail ?? '', /"web01 down" \(node-web01\) under inhibitRules\[0\].*equal \[instance\]/);
  });
});

describe('InhibitionIndex: changes', () => {
  it('a resolved source releases its targets and says so; a second source keeps them muted', () => {
    const a = nodeDown('web01');
    const b = firing({
      fingerprint: 'node-web01-b',
      severity: 'critical',
      labels: { alertname: 'NodeDown', instance: 'web01' },
    });
    const index = indexWith(a, b);
    const muter = new InhibitMuter(index);
    assert.equal(index.resolved(a), false, 'b still inhibits instance web01');
    assert.equal(muter.mutes(serviceDown('web01'))?.reason, 'inhibited');
    assert.equal(index.resolved(b), true);
    assert.equal(muter.mutes(serviceDown('web01')), null);
    assert.equal(index.resolved(b), false, 'resolving twice is a no-op');
  });

  it('a resolved target or an unknown alert releases nothing', () => {
    const index = indexWith(nodeDown('web01'), serviceDown('web01'));
    assert.equal(index.resolved(serviceDown('web01')), false);
    assert.equal(index.resolved(firing({ fingerprint: 'never-seen' })), false);
    assert.equal(index.firingCount('acme'), 1);
  });

  it('firing twice is the same as once; changed labels move the source', () => {
    const index = indexWith(nodeDown('web01'), nodeDown('web01'));
    assert.equal(index.firingCount('acme'), 1);
    index.firing(firing({ fingerprint: 'node-web01', labels: { alertname: 'NodeDown', instance: 'web02' } }));
    const muter = new InhibitMuter(index);
    assert.equal(muter.mutes(serviceDown('web01')), null);
    assert.equal(muter.mutes(serviceDown('web02'))?.reason, 'inhibited');
  });

  it('is rebuilt from stored alert states: right after a restart targets stay muted', () => {
    const state = (a: Alert, status: 'firing' | 'resolved'): { tenant: string; state: AlertState } => ({
      tenant: a.tenant,
      state: {
        fingerprint: a.fingerprint,
        source: a.source,
        status,
        severity: a.severity,
        summary: a.summary,
        labels: a.labels,
        annotations: {},
        startsAt: a.startsAt,
        endsAt: status === 'resolved' ? a.startsAt : null,
        changedAt: a.startsAt,
        receivedAt: a.receivedAt,
        incidentId: 'i1',
      },
    });
    const afterRestart = new InhibitionIndex(tenants);
    afterRestart.firing(nodeDown('stale')); // whatever was there before is replaced
    afterRestart.rebuild([
      state(nodeDown('web01'), 'firing'),
      state(nodeDown('web02'), 'resolved'),
      state(serviceDown('web01'), 'firing'),
    ]);
    const muter = new InhibitMuter(afterRestart);
    assert.equal(muter.mutes(serviceDown('web01'))?.reason, 'inhibited');
    assert.equal(muter.mutes(serviceDown('web02')), null, 'a resolved source inhibits nothing');
    assert.equal(muter.mutes(serviceDown('stale')), null);
    assert.equal(afterRestart.firingCount('acme'), 2);
  });

  it('keeps the firing alerts when the rules change, and indexes them by the new rules', () => {
    const index = indexWith(firing({ fingerprint: 'db', labels: { alertname: 'DatabaseDown', instance: 'db01' } }));
    const target = firing({ fingerprint: 'app', labels: { alertname: 'AppErrors', instance: 'db01' } });
    assert.equal(new InhibitMuter(index).mutes(target), null);
    index.setRules({
      ...tenants,
      acme: tenantConfig({
        inhibitRules: [
          { source: ms('alertname="DatabaseDown"'), target: ms('alertname="AppErrors"'), equal: ['instance'] },
        ],
      }),
    });
    assert.equal(new InhibitMuter(index).mutes(target)?.reason, 'inhibited');
  });

  it('muteAll puts maintenance and silences before inhibition, and never mutes a resolve', () => {
    const index = indexWith(nodeDown('web01'));
    const muters = [new InhibitMuter(index)];
    assert.equal(muteAll(muters, serviceDown('web01'), NOW)?.reason, 'inhibited');
    assert.equal(muteAll(muters, { ...serviceDown('web01'), status: 'resolved' }, NOW), null);
  });
});
