// Crash: `kill -9` the router while 10,000 alerts stream in from a client that retries every failed
// request (as Alertmanager does). After a restart on the same port, every alert is in exactly one
// incident, no group has two open incidents, and the audit trail holds one `alert.firing` per alert.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsServer } from '../harness/nats.ts';
import { getJson, type IncidentDetail, listIncidents, readEvents, settled } from '../harness/outcome.ts';
import { RouterProcess, TOKENS } from '../harness/router.ts';
import { type Attempt, postUntilAccepted } from '../harness/sender.ts';

const TOTAL = 10_000;
const PER_REQUEST = 100;
const SENDERS = 4;
const RUN = `crash-${Date.now().toString(36)}`;

let nats: NatsServer;
let router: RouterProcess;
let nc: NatsConnection;

before(async () => {
  nats = await NatsServer.start();
  router = await RouterProcess.start(nats.url);
  nc = await connect({ servers: nats.url });
});

after(async () => {
  await nc?.close().catch(() => undefined);
  await router?.kill();
  await nats?.close();
});

interface Alert {
  fingerprint: string;
  summary: string;
  labels: Record<string, string>;
}

/** Alert k: 500 groups (alertname × instance) of 20 alerts each, so many alerts race for one incident. */
function alert(k: number): Alert {
  return {
    fingerprint: `${RUN}-${k}`,
    summary: `crash test alert ${k}`,
    labels: { alertname: `Crash${k % 50}`, instance: `host-${k % 500}`, k: String(k) },
  };
}

test('kill -9 mid-stream: every accepted alert ends up in exactly one incident', { timeout: 120_000 }, async () => {
  const t0 = Date.now();
  const requests: Alert[][] = [];
  for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
    requests.push(Array.from({ length: PER_REQUEST }, (_, i) => alert(r * PER_REQUEST + i)));
  }
  const attempts: Attempt[] = [];
  let accepted = 0;
  let crash: Promise<void> | null = null;
  let crashedAt = 0;
  let restartedAt = 0;
  let next = 0;
  const sender = async () => {
    while (next < requests.length) {
      const body = requests[next++]!;
      await postUntilAccepted(() => router.url, TOKENS.acme, body, attempts);
      accepted++;
      if (!crash && accepted >= requests.length * 0.3) {
        crash = (async () => {
          await router.kill();
          crashedAt = Date.now();
          await router.spawn();
          restartedAt = Date.now();
        })();
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  await crash;
  const streamed = Date.now();
  const failed = attempts.filter((a) => a.status !== 202);
  console.log(
    `streamed ${TOTAL} alerts in ${streamed - t0} ms; ${attempts.length} attempts, ${failed.length} failed ` +
      `(${[...new Set(failed.map((a) => a.status))].join(', ')}); router down for ${restartedAt - crashedAt} ms`,
  );
  assert.ok(crashedAt > 0, 'the router was killed');
  assert.ok(failed.length > 0, 'some requests failed while the router was down');

  await settled(nc, router.url, TOTAL, 60_000, () => router.output.slice(-3000));
  const processed = Date.now();

  // Every alert in exactly one incident.
  const incidents = await listIncidents(router.url);
  const perFingerprint = new Map<string, number>();
  const openPerGroup = new Map<string, number>();
  const details: IncidentDetail[] = [];
  for (let i = 0; i < incidents.length; i += 8) {
    details.push(
      ...(await Promise.all(
        incidents.slice(i, i + 8).map((s) => getJson<IncidentDetail>(router.url, `/api/v1/incidents/${s.id}`)),
      )),
    );
  }
  for (const inc of details) {
    for (const a of inc.alerts) perFingerprint.set(a.fingerprint, (perFingerprint.get(a.fingerprint) ?? 0) + 1);
    if (inc.status !== 'resolved') openPerGroup.set(inc.groupKey, (openPerGroup.get(inc.groupKey) ?? 0) + 1);
  }
  const twice = [...perFingerprint].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'no alert is in two incidents');
  const missing = requests.flat().filter((a) => !perFingerprint.has(a.fingerprint));
  assert.deepEqual(
    missing.map((a) => a.fingerprint),
    [],
    'no accepted alert is lost',
  );
  assert.equal(perFingerprint.size, TOTAL);
  const doubled = [...openPerGroup].filter(([, n]) => n > 1);
  assert.deepEqual(doubled, [], 'no group has two open incidents');
  const perGroup = new Map<string, IncidentDetail[]>();
  for (const inc of details) perGroup.set(inc.groupKey, [...(perGroup.get(inc.groupKey) ?? []), inc]);
  const split = [...perGroup.values()]
    .filter((l) => l.length > 1)
    .map((l) => l.map((i) => `${JSON.stringify(i.groupLabels)} ${i.id} ${i.status} ${i.alerts.length} alerts`));
  assert.deepEqual(split, [], 'one incident per group (none of its alerts resolved, so it never closes)');
  assert.equal(incidents.length, 500);

  // The audit trail: exactly one alert.firing per alert, one incident.opened per incident.
  const events = await readEvents(nc);
  const firing = new Map<string, number>();
  const opened = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'alert.firing' && e.fingerprint) firing.set(e.fingerprint, (firing.get(e.fingerprint) ?? 0) + 1);
    if (e.type === 'incident.opened') opened.set(e.incidentId, (opened.get(e.incidentId) ?? 0) + 1);
  }
  const dupFiring = [...firing].filter(([, n]) => n > 1);
  assert.deepEqual(dupFiring, [], 'no duplicate alert.firing event');
  const noFiring = requests.flat().filter((a) => !firing.has(a.fingerprint));
  assert.deepEqual(
    noFiring.map((a) => a.fingerprint),
    [],
    'every alert has its alert.firing event',
  );
  const timelineFiring = details.reduce(
    (n, inc) => n + inc.timeline.filter((e: { type: string }) => e.type === 'alert.firing').length,
    0,
  );
  assert.equal(timelineFiring, TOTAL, 'the timelines show one alert.firing per alert');
  assert.deepEqual(
    incidents.filter((i) => opened.get(i.id) !== 1).map((i) => i.id),
    [],
    'one incident.opened per incident',
  );
  console.log(
    `processed ${processed - streamed} ms after the stream ended; verified in ${Date.now() - processed} ms; ` +
      `${events.length} events`,
  );
});
