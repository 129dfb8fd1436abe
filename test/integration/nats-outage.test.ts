// NATS stopped mid-stream: while it is down the router answers 503 with Retry-After (never another 5xx,
// never a hang) and /readyz is 503; once NATS is back on the same port and store, the SAME router process
// recovers by itself, the client's retries are accepted, and every accepted alert is in exactly one incident.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsServer } from '../harness/nats.ts';
import { getJson, type IncidentDetail, listIncidents, readEvents, settled } from '../harness/outcome.ts';
import { waitFor } from '../harness/ports.ts';
import { RouterProcess, TOKENS } from '../harness/router.ts';
import { type Attempt, postUntilAccepted } from '../harness/sender.ts';

const TOTAL = 6_000;
const PER_REQUEST = 100;
const SENDERS = 3;
const GROUPS = 300;
const OUTAGE_MS = 3_000;
const RUN = `outage-${Date.now().toString(36)}`;

let nats: NatsServer;
let router: RouterProcess;
let nc: NatsConnection | null = null;

before(async () => {
  nats = await NatsServer.start();
  router = await RouterProcess.start(nats.url);
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

/** Alert k: GROUPS groups (alertname × instance) of TOTAL / GROUPS alerts each. */
function alert(k: number): Alert {
  return {
    fingerprint: `${RUN}-${k}`,
    summary: `outage test alert ${k}`,
    labels: { alertname: `Outage${k % 30}`, instance: `host-${k % GROUPS}`, k: String(k) },
  };
}

test('NATS down mid-stream: 503 + Retry-After, then the same router recovers and loses nothing', {
  timeout: 120_000,
}, async () => {
  const t0 = Date.now();
  const requests: Alert[][] = [];
  for (let r = 0; r < TOTAL / PER_REQUEST; r++) {
    requests.push(Array.from({ length: PER_REQUEST }, (_, i) => alert(r * PER_REQUEST + i)));
  }
  const attempts: Attempt[] = [];
  const readyz: number[] = [];
  let accepted = 0;
  let outage: Promise<void> | null = null;
  let down = { from: 0, to: 0 };
  let next = 0;
  const sender = async () => {
    while (next < requests.length) {
      const body = requests[next++]!;
      await postUntilAccepted(() => router.url, TOKENS.acme, body, attempts, 100);
      accepted++;
      if (!outage && accepted >= requests.length * 0.3) {
        outage = (async () => {
          await nats.stop();
          down = { from: Date.now(), to: 0 };
          // Readiness follows the connection.
          await waitFor('/readyz 503', async () => {
            const r = await fetch(`${router.url}/readyz`);
            readyz.push(r.status);
            return r.status === 503;
          });
          await new Promise((r) => setTimeout(r, OUTAGE_MS));
          await nats.restart();
          down.to = Date.now();
        })();
      }
      // Pace the stream so that most of it happens around the outage.
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  await outage;
  const streamed = Date.now();

  const failed = attempts.filter((a) => a.status !== 202);
  const byStatus = new Map<string | number, number>();
  for (const a of failed) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
  const slowest = Math.max(...attempts.map((a) => a.ms));
  console.log(
    `streamed ${TOTAL} alerts in ${streamed - t0} ms; NATS down for ${down.to - down.from} ms; ` +
      `${attempts.length} attempts, failed: ${JSON.stringify(Object.fromEntries(byStatus))}; slowest ${slowest} ms`,
  );
  assert.ok(down.to > 0, 'NATS was stopped and restarted');
  assert.ok((byStatus.get(503) ?? 0) > 0, 'the router answered 503 while NATS was down');
  assert.deepEqual([...byStatus.keys()], [503], 'no failure other than 503 (no other 5xx, no dropped connection)');
  assert.deepEqual(
    failed.filter((a) => !a.retryAfter || !(Number(a.retryAfter) > 0)),
    [],
    'every 503 has a Retry-After',
  );
  assert.ok(slowest < 6_500, `no request hangs (slowest ${slowest} ms)`);
  assert.ok(readyz.includes(503), '/readyz turned 503');
  const ready = await fetch(`${router.url}/readyz`);
  assert.equal(ready.status, 200, '/readyz is 200 again without restarting the router');

  nc = await connect({ servers: nats.url });
  await settled(nc, router.url, TOTAL, 60_000, () => router.output.slice(-3000));
  const processed = Date.now();

  const incidents = await listIncidents(router.url);
  const details: IncidentDetail[] = [];
  for (let i = 0; i < incidents.length; i += 8) {
    details.push(
      ...(await Promise.all(
        incidents.slice(i, i + 8).map((s) => getJson<IncidentDetail>(router.url, `/api/v1/incidents/${s.id}`)),
      )),
    );
  }
  const perFingerprint = new Map<string, number>();
  const perGroup = new Map<string, string[]>();
  for (const inc of details) {
    for (const a of inc.alerts) perFingerprint.set(a.fingerprint, (perFingerprint.get(a.fingerprint) ?? 0) + 1);
    perGroup.set(inc.groupKey, [...(perGroup.get(inc.groupKey) ?? []), `${inc.id} ${inc.status}`]);
  }
  assert.deepEqual(
    [...perFingerprint].filter(([, n]) => n !== 1),
    [],
    'no alert is in two incidents',
  );
  assert.deepEqual(
    requests
      .flat()
      .filter((a) => !perFingerprint.has(a.fingerprint))
      .map((a) => a.fingerprint),
    [],
    'no accepted alert is lost',
  );
  assert.equal(perFingerprint.size, TOTAL);
  assert.deepEqual(
    [...perGroup.values()].filter((l) => l.length > 1),
    [],
    'one incident per group',
  );
  assert.equal(incidents.length, GROUPS);

  const events = await readEvents(nc);
  const firing = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'alert.firing' && e.fingerprint) firing.set(e.fingerprint, (firing.get(e.fingerprint) ?? 0) + 1);
  }
  assert.deepEqual(
    [...firing].filter(([, n]) => n !== 1),
    [],
    'no duplicate alert.firing event',
  );
  assert.equal(firing.size, TOTAL, 'one alert.firing event per alert');
  const opened = events.filter((e) => e.type === 'incident.opened').map((e) => e.incidentId);
  assert.deepEqual(new Set(opened), new Set(incidents.map((i) => i.id)), 'one incident.opened per incident');
  assert.equal(opened.length, incidents.length);
  console.log(`processed ${processed - streamed} ms after the stream ended; verified in ${Date.now() - processed} ms`);
});
