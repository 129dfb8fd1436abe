// A real Prometheus Alertmanager 0.25 whose webhook receiver points at the router (bearer auth):
// alerts posted to Alertmanager become incidents with Alertmanager's fingerprints, grouped by the
// tenant's groupBy; Alertmanager re-sending firing alerts creates nothing twice; resolving them in
// Alertmanager (send_resolved) resolves the incidents. With the shared token, the tenant comes from
// the alert's labels, and an alert no tenant claims is rejected and counted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { Alertmanager, type PostableAlert } from '../harness/alertmanager.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, SHARED_TOKEN, startTestRouter, TOKENS } from '../harness/router.ts';

interface IncidentSummary {
  id: string;
  tenant: string;
  status: string;
  severity: string;
  groupLabels: Record<string, string>;
  alertCount: number;
  firingCount: number;
}

interface IncidentAlert {
  fingerprint: string;
  source: string;
  status: string;
  severity: string;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  endsAt: string | null;
}

interface IncidentDetail extends IncidentSummary {
  alerts: IncidentAlert[];
  timeline: { type: string }[];
}

let nats: NatsServer;
let router: RunningRouter;
const managers: Alertmanager[] = [];
const admin = () => api(router.url, ADMIN_TOKEN);

async function incidents(tenant: string): Promise<IncidentSummary[]> {
  const r = await admin().get(`/api/v1/incidents?tenant=${tenant}&limit=500`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.incidents;
}

async function incident(id: string): Promise<IncidentDetail> {
  const r = await admin().get(`/api/v1/incidents/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The incidents of a tenant whose group label `label` has `value`. */
async function incidentsWith(tenant: string, label: string, value: string): Promise<IncidentSummary[]> {
  return (await incidents(tenant)).filter((i) => i.groupLabels[label] === value);
}

/** A sample of a counter in the router's /metrics, 0 when absent. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${router.url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const have = inner.split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function startAlertmanager(token: string): Promise<Alertmanager> {
  const am = await Alertmanager.start({ webhookUrl: `${router.url}/api/v1/alerts/alertmanager`, token });
  managers.push(am);
  return am;
}

/** Alertmanager's fingerprint of the alert with these labels. */
async function fingerprintOf(am: Alertmanager, labels: Record<string, string>): Promise<string> {
  const held = await am.alerts();
  const found = held.find((a) => JSON.stringify(sortKeys(a.labels)) === JSON.stringify(sortKeys(labels)));
  assert.ok(found, `alertmanager holds no alert with labels ${JSON.stringify(labels)}`);
  return found.fingerprint;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url);
});

after(async () => {
  for (const am of managers) await am.stop();
  await router?.stop();
  await nats?.close();
});

describe('Alertmanager with a tenant token (acme: groupBy alertname, instance)', () => {
  let am: Alertmanager;
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const sda = { alertname: 'DiskFull', instance: 'db01', device: 'sda', severity: 'critical' };
  const sdb = { alertname: 'DiskFull', instance: 'db01', device: 'sdb', severity: 'warning' };
  const db02 = { alertname: 'DiskFull', instance: 'db02', device: 'sda' };
  const db03 = { alertname: 'DiskFull', instance: 'db03', device: 'sda', severity: 'info' };
  const firing = (labels: Record<string, string>): PostableAlert => ({
    labels,
    annotations: { summary: `Disk ${labels['device']} full on ${labels['instance']}` },
    startsAt,
    generatorURL: 'http://prometheus.test/graph?g0.expr=disk',
  });

  before(async () => {
    am = await startAlertmanager(TOKENS.acme);
  });

  it('turns alerts posted to Alertmanager into incidents grouped by the tenant groupBy', async () => {
    await am.postAlerts([firing(sda), firing(sdb), firing(db02)]);
    const [db01Incident, db02Incident] = await waitFor('incidents for db01 (2 alerts) and db02', async () => {
      const a = await incidentsWith('acme', 'instance', 'db01');
      const b = await incidentsWith('acme', 'instance', 'db02');
      return a[0]?.alertCount === 2 && b.length === 1 ? [a, b] : undefined;
    });
    assert.equal(db01Incident.length, 1, 'one incident for the db01 group, not one per alert');
    const one = await incident(db01Incident[0]!.id);
    assert.equal(one.tenant, 'acme');
    assert.equal(one.status, 'triggered');
    assert.deepEqual(one.groupLabels, { alertname: 'DiskFull', instance: 'db01' });
    assert.equal(one.severity, 'critical', 'the incident takes its most severe alert');

    const bySeverity = Object.fromEntries(one.alerts.map((a) => [a.labels['device'], a]));
    assert.equal(bySeverity['sda']?.severity, 'critical');
    assert.equal(bySeverity['sdb']?.severity, 'warning');
    for (const a of one.alerts) {
      assert.equal(a.source, 'alertmanager');
      assert.equal(a.status, 'firing');
      assert.equal(a.summary, `Disk ${a.labels['device']} full on db01`);
      assert.equal(a.annotations['generatorURL'], 'http://prometheus.test/graph?g0.expr=disk');
    }
    assert.deepEqual(sortKeys(bySeverity['sda']!.labels), sortKeys(sda));
    assert.equal(bySeverity['sda']!.fingerprint, await fingerprintOf(am, sda), "Alertmanager's fingerprint");
    assert.equal(bySeverity['sdb']!.fingerprint, await fingerprintOf(am, sdb));

    const two = await incident(db02Incident[0]!.id);
    assert.equal(two.alerts.length, 1);
    assert.equal(two.severity, 'warning', 'no severity label maps to warning');
    assert.equal(two.alerts[0]!.fingerprint, await fingerprintOf(am, db02));
    assert.ok(two.timeline.some((e) => e.type === 'incident.opened'));
  });

  it('does not open a second incident when Alertmanager re-sends firing alerts', async () => {
    const duplicatesBefore = await metric('switchboard_alerts_deduplicated_total', { tenant: 'acme' });
    // A new alert in the DiskFull group: Alertmanager notifies the whole group again, so the three
    // alerts already recorded arrive a second time alongside the new one.
    await am.postAlerts([firing(db03)]);
    await waitFor('the db03 incident', async () => (await incidentsWith('acme', 'instance', 'db03')).length === 1);
    await waitFor(
      'the re-sent alerts counted as duplicates',
      async () => (await metric('switchboard_alerts_deduplicated_total', { tenant: 'acme' })) >= duplicatesBefore + 3,
    );
    const all = await incidents('acme');
    assert.equal(all.length, 3, JSON.stringify(all.map((i) => i.groupLabels)));
    const db01 = all.find((i) => i.groupLabels['instance'] === 'db01');
    assert.equal(db01?.alertCount, 2);
    assert.equal(all.find((i) => i.groupLabels['instance'] === 'db03')?.severity, 'info');
  });

  it('resolves the incidents when the alerts are resolved in Alertmanager (send_resolved)', async () => {
    const endsAt = new Date(Date.now() - 1_000).toISOString();
    await am.postAlerts([sda, sdb, db02, db03].map((labels) => ({ ...firing(labels), endsAt })));
    const resolved = await waitFor('every acme incident resolved', async () => {
      const all = await incidents('acme');
      return all.length === 3 && all.every((i) => i.status === 'resolved') ? all : undefined;
    });
    for (const s of resolved) {
      const one = await incident(s.id);
      assert.ok(one.alerts.every((a) => a.status === 'resolved' && a.endsAt !== null));
      assert.ok(one.timeline.some((e) => e.type === 'incident.resolved'));
    }
    assert.equal(resolved.length, 3, 'resolving opens nothing new');
  });
});

describe('Alertmanager with the shared token: tenant from labels', () => {
  let am: Alertmanager;

  before(async () => {
    am = await startAlertmanager(SHARED_TOKEN);
  });

  it('routes an alert labelled customer=globex to globex', async () => {
    const labels = { alertname: 'BackupFailed', instance: 'nas01', customer: 'globex', severity: 'high' };
    await am.postAlerts([{ labels, annotations: { summary: 'Nightly backup failed' } }]);
    const [found] = await waitFor('the globex incident', async () => {
      const list = (await incidents('globex')).filter((i) => i.groupLabels['alertname'] === 'BackupFailed');
      return list.length === 1 ? list : undefined;
    });
    const one = await incident(found!.id);
    assert.equal(one.tenant, 'globex');
    assert.equal(one.severity, 'high');
    assert.equal(one.alerts[0]!.summary, 'Nightly backup failed');
    assert.equal(one.alerts[0]!.fingerprint, await fingerprintOf(am, labels));
    assert.equal((await incidents('acme')).filter((i) => i.groupLabels['alertname'] === 'BackupFailed').length, 0);
  });

  it('rejects and counts an alert no tenant claims', async () => {
    const before = await metric('switchboard_alerts_rejected_total', { source: 'alertmanager', reason: 'no_tenant' });
    await am.postAlerts([{ labels: { alertname: 'Unclaimed', instance: 'lost01' } }]);
    await waitFor(
      'switchboard_alerts_rejected_total{source="alertmanager",reason="no_tenant"} to grow',
      async () =>
        (await metric('switchboard_alerts_rejected_total', { source: 'alertmanager', reason: 'no_tenant' })) > before,
    );
    const all = [...(await incidents('acme')), ...(await incidents('globex'))];
    assert.equal(all.filter((i) => i.groupLabels['alertname'] === 'Unclaimed').length, 0);
  });
});
