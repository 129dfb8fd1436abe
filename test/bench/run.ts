// `make bench`: every benchmark side by side with its reference, in one run, on this machine.
// Writes docs/benchmarks.md. Loopback only; every loop is bounded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Alertmanager } from '../harness/alertmanager.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { copyConfig, RouterProcess, startTestRouter } from '../harness/router.ts';
import { ROOT, toolPath } from '../harness/tools.ts';
import { type ClusterRun, clusterScaling, clusterSection } from './cluster.ts';
import { alertmanagerLatency, BENCH_CONFIG, e2eSection, type LatencyRun, switchboardLatency } from './e2e-latency.ts';
import {
  fixedRate,
  generatorUrl,
  type LoadResult,
  round,
  rssMiB,
  rssPartsMiB,
  saturate,
  syntheticLabels,
} from './load.ts';
import { type MaxSizeRun, maxSizeMemory, maxSizeSection } from './max-size.ts';

const TOTAL = Number(process.env['BENCH_ALERTS'] ?? 50_000);
const BATCH = 100;
const CLIENTS = 2;
/** How long both systems are left alone with the alerts before their RSS is read again. */
const SETTLE_MS = Number(process.env['BENCH_SETTLE_MS'] ?? 60_000);
/**
 * How long after start idle RSS is read: both runtimes first give back what starting up took (V8's
 * heap shrinks ~10 s after start, jemalloc returns freed pages after its 10 s decay).
 */
const IDLE_MS = Number(process.env['BENCH_IDLE_MS'] ?? 20_000);
/** Maximum-size alerts held for the max-size memory figure (test/bench/max-size.ts). */
const MAX_SIZE_ALERTS = Number(process.env['BENCH_MAX_SIZE_ALERTS'] ?? 50_000);
const log = (...a: unknown[]) => console.error('bench:', ...a);

function amWebhook(from: number, to: number, run: string) {
  const now = new Date().toISOString();
  const alerts = [];
  for (let i = from; i < to; i++) {
    const s = syntheticLabels(i, run);
    alerts.push({
      status: 'firing',
      labels: s.labels,
      annotations: s.annotations,
      startsAt: now,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: generatorUrl(i),
      fingerprint: `${run}-${i.toString(16).padStart(12, '0')}`,
    });
  }
  return JSON.stringify({
    receiver: 'switchboard',
    status: 'firing',
    alerts,
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: `{}:{run="${run}"}`,
    truncatedAlerts: 0,
  });
}

async function rawJetStream(natsUrl: string) {
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: 'BENCH',
    subjects: ['bench.>'],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
  });
  const js = jetstream(nc);
  const alert = JSON.stringify({
    ...syntheticLabels(1, 'raw'),
    startsAt: new Date().toISOString(),
    fingerprint: '0123456789abcdef',
  });
  const inflight = 1000;
  const t0 = performance.now();
  let sent = 0;
  const pending = new Set<Promise<unknown>>();
  while (sent < TOTAL) {
    const p = js.publish('bench.alerts', alert, { msgID: `m${sent}` }).finally(() => pending.delete(p));
    pending.add(p);
    sent++;
    if (pending.size >= inflight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const seconds = (performance.now() - t0) / 1000;
  await jsm.streams.delete('BENCH');
  await nc.close();
  return { messages: TOTAL, bytes: alert.length, seconds: round(seconds, 2), perSecond: Math.round(TOTAL / seconds) };
}

/** Posts alerts to a router as Alertmanager webhooks (accepted: 202). */
function postWebhooks(url: string, run: string) {
  return async (from: number, to: number) => {
    const r = await fetch(`${url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
      body: amWebhook(from, to, run),
    });
    await r.arrayBuffer();
    return r.status === 202;
  };
}

/** Posts the same alerts to Alertmanager's own API. */
function postToAlertmanager(url: string, run: string) {
  return async (from: number, to: number) => {
    const now = new Date().toISOString();
    const body = [];
    for (let i = from; i < to; i++)
      body.push({ ...syntheticLabels(i, run), startsAt: now, generatorURL: generatorUrl(i) });
    const r = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await r.arrayBuffer();
    return r.status === 200;
  };
}

const AM_OPTIONS = {
  webhookUrl: 'http://127.0.0.1:9/unused',
  token: 'x',
  groupWait: '1h',
  groupInterval: '1h',
  repeatInterval: '24h',
};

/** A further ingest round against a fresh router and NATS (ingest only; the first round also measures memory). */
async function routerIngestRound(run: string): Promise<LoadResult> {
  const nats = await NatsServer.start();
  const router = await RouterProcess.start(nats.url, copyConfig(join(ROOT, 'test/fixtures/bench')));
  try {
    return await saturate(TOTAL, BATCH, CLIENTS, postWebhooks(router.url, run));
  } finally {
    await router.stop();
    await nats.close();
  }
}

async function alertmanagerIngestRound(run: string): Promise<LoadResult> {
  const am = await Alertmanager.start(AM_OPTIONS);
  try {
    return await saturate(TOTAL, BATCH, CLIENTS, postToAlertmanager(am.url, run));
  } finally {
    await am.stop();
  }
}

/** The router's rate over Alertmanager's for each pair of rounds that ran next to each other. */
function pairRatios(r: Pick<Results, 'ingestRounds' | 'amIngestRounds'>): number[] {
  return r.ingestRounds.map((x, k) => x.alertsPerSecond / (r.amIngestRounds[k]?.alertsPerSecond ?? Number.NaN));
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The round with the median rate. */
function medianRound(rounds: LoadResult[]): LoadResult {
  const sorted = [...rounds].sort((a, b) => a.alertsPerSecond - b.alertsPerSecond);
  return sorted[Math.floor(sorted.length / 2)] as LoadResult;
}

async function processedCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^switchboard_alerts_processed_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

async function heapUsedMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^switchboard_nodejs_heap_size_used_bytes (\S+)/m.exec(text);
  return m ? Math.round(Number(m[1]) / 1024 ** 2) : Number.NaN;
}

/** Heap in use after full collections (needs --expose-gc). */
async function settle(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the benchmark with node --expose-gc (make bench does)');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage().heapUsed;
}

/** Heap in use after full collections, before and after 50,000 alerts are active. */
async function liveHeapPerAlert() {
  const nats = await NatsServer.start();
  const router = await startTestRouter(nats.url, { configDir: copyConfig(join(ROOT, 'test/fixtures/bench')) });
  const before = await settle();
  await saturate(TOTAL, BATCH, CLIENTS, async (from, to) => {
    const r = await fetch(`${router.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
      body: amWebhook(from, to, 'live'),
    });
    await r.arrayBuffer();
    return r.status === 202;
  });
  await waitFor('all alerts processed (live)', async () => (await processedCount(router.url)) >= TOTAL, 600_000);
  const afterAlerts = await settle();
  await router.stop();
  await nats.close();
  const mib = (b: number) => round(b / 1024 ** 2, 1);
  return {
    beforeMiB: mib(before),
    afterMiB: mib(afterAlerts),
    bytesPerAlert: Math.round((afterAlerts - before) / TOTAL),
  };
}

const INCIDENTS = 10_000;

/** Heap in use after full collections, before and after 10,000 incidents are open (each alert its own). */
async function liveHeapPerIncident() {
  const nats = await NatsServer.start();
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-incidents-'));
  // Pages go to a closed port: each fails fast and is recorded, as a misconfigured channel would be.
  writeFileSync(join(dir, 'config.yaml'), BENCH_CONFIG('http://127.0.0.1:9/closed'));
  const router = await startTestRouter(nats.url, { configDir: dir });
  const before = await settle();
  await saturate(INCIDENTS, BATCH, CLIENTS, async (from, to) => {
    const r = await fetch(`${router.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
      body: amWebhook(from, to, 'incidents'),
    });
    await r.arrayBuffer();
    return r.status === 202;
  });
  await waitFor(
    'all alerts processed (incidents)',
    async () => (await processedCount(router.url)) >= INCIDENTS,
    600_000,
  );
  await waitFor('every incident open', async () => [...router.ctx.store.incidents()].length >= INCIDENTS, 600_000);
  const after = await settle();
  await router.stop();
  await nats.close();
  const mib = (b: number) => round(b / 1024 ** 2, 1);
  return { beforeMiB: mib(before), afterMiB: mib(after), bytesPerIncident: Math.round((after - before) / INCIDENTS) };
}

async function main() {
  // The max-size memory figure alone, e.g. reduced: BENCH_ONLY=max-size BENCH_MAX_SIZE_ALERTS=2000 (prints its
  // section instead of writing docs/benchmarks.md).
  if (process.env['BENCH_ONLY'] === 'max-size') {
    const run = await maxSizeMemory(MAX_SIZE_ALERTS, IDLE_MS, SETTLE_MS, AM_OPTIONS);
    log('max-size', run);
    console.log(maxSizeSection(run));
    return;
  }
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    nats: execFileSync(toolPath('nats-server'), ['--version']).toString().trim(),
    alertmanager: execFileSync(toolPath('alertmanager'), ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .split('\n')[0],
  };
  log(machine);

  // 1. Raw JetStream publish, per alert, pipelined.
  const rawNats = await NatsServer.start();
  const raw = await rawJetStream(rawNats.url);
  log('raw jetstream', raw);
  await rawNats.close();

  // The load generator (this process) warms up first with one round of each, not counted: the router's
  // first round was the slowest of three in every run without it, fresh nats-server or not.
  log('warm-up rounds', {
    router: (await routerIngestRound('warm')).alertsPerSecond,
    alertmanager: (await alertmanagerIngestRound('warm')).alertsPerSecond,
  });

  // 2. The router's ingest: Alertmanager webhooks of 100 alerts, 2 clients, on a fresh nats-server as
  // every round.
  const nats = await NatsServer.start();
  const router = await RouterProcess.start(nats.url, copyConfig(join(ROOT, 'test/fixtures/bench')));
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const rssIdle = rssMiB(router.pid);
  const post = (run: string) => postWebhooks(router.url, run);
  const t0 = performance.now();
  const ingest1 = await saturate(TOTAL, BATCH, CLIENTS, post('sat'));
  log('router ingest', ingest1);
  await waitFor('all alerts processed', async () => (await processedCount(router.url)) >= TOTAL, 600_000);
  const processSeconds = (performance.now() - t0) / 1000;
  const rssActive = rssMiB(router.pid);
  const heapActive = await heapUsedMiB(router.url);
  // Left alone with the alerts, V8 collects and gives pages back within about half a minute.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const rssSettled = rssMiB(router.pid);
  const partsSettled = rssPartsMiB(router.pid);
  log('processed', { processSeconds, rssActive, heapActive, rssSettled });

  // 3. Fixed rate 2,000 alerts/s for 10 s: request latency.
  const steady = await fixedRate(2_000, BATCH, 10, post('steady'));
  log('router steady', steady);
  await router.stop();
  await nats.close();

  // 4. Alertmanager's own ingest under the same load, and its memory with the same number of alerts.
  const am = await Alertmanager.start(AM_OPTIONS);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const amRssIdle = rssMiB(am.pid);
  const amIngest1 = await saturate(TOTAL, BATCH, CLIENTS, postToAlertmanager(am.url, 'am'));
  const amRss = rssMiB(am.pid);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const amRssSettled = rssMiB(am.pid);
  const amPartsSettled = rssPartsMiB(am.pid);
  log('alertmanager ingest', amIngest1, amRss);
  await am.stop();

  // 4b. Four more ingest rounds of each: a single round of either moved by up to ±15 % between runs on
  // this machine; the median of five is what the ratio compares. In the order R A A R R A A R R A (the
  // first two above), so a drift over the run favours neither.
  const ingestRounds = [ingest1];
  const amIngestRounds = [amIngest1];
  for (const k of [2, 4]) {
    amIngestRounds.push(await alertmanagerIngestRound(`am${k}`));
    ingestRounds.push(await routerIngestRound(`sat${k}`));
    ingestRounds.push(await routerIngestRound(`sat${k + 1}`));
    amIngestRounds.push(await alertmanagerIngestRound(`am${k + 1}`));
  }
  const ingest = medianRound(ingestRounds);
  const amIngest = medianRound(amIngestRounds);
  log('ingest rounds', {
    router: ingestRounds.map((r) => r.alertsPerSecond),
    alertmanager: amIngestRounds.map((r) => r.alertsPerSecond),
    pairs: pairRatios({ ingestRounds, amIngestRounds }).map((x) => round(x, 2)),
  });

  // 3b. The same burst with ingest and processing in separate processes (`--role api` + `--role all`).
  const nats2 = await NatsServer.start();
  const benchConfig = copyConfig(join(ROOT, 'test/fixtures/bench'));
  const processor = await RouterProcess.start(nats2.url, benchConfig);
  const apiOnly = await RouterProcess.start(nats2.url, benchConfig, ['--role', 'api']);
  const t1 = performance.now();
  const split = await saturate(TOTAL, BATCH, CLIENTS, postWebhooks(apiOnly.url, 'split'));
  await waitFor('all alerts processed (split)', async () => (await processedCount(processor.url)) >= TOTAL, 600_000);
  const splitProcessSeconds = (performance.now() - t1) / 1000;
  log('split roles', split, { splitProcessSeconds });
  await apiOnly.stop();
  await processor.stop();
  await nats2.close();

  // 5. Live data per active alert: an in-process router, heap measured after a full collection.
  const live = await liveHeapPerAlert();
  log('live heap', live);
  const perIncident = await liveHeapPerIncident();
  log('live heap per incident', perIncident);

  // 6. End to end, alert to webhook notification, against Alertmanager's.
  const rates = (process.env['BENCH_E2E_RATES'] ?? '100,500,1000,5000').split(',').map(Number);
  const sbE2e = await switchboardLatency(rates);
  log('switchboard e2e', sbE2e);
  const amE2e = await alertmanagerLatency(rates);
  log('alertmanager e2e', amE2e);

  // 6b. Memory with maximum-size alerts (every capped field full), against Alertmanager's.
  const maxSize = await maxSizeMemory(MAX_SIZE_ALERTS, IDLE_MS, SETTLE_MS, AM_OPTIONS);
  log('max-size', maxSize);

  // 7. Scale-out: 1 vs 2 router replicas on a 3-node NATS cluster (R3).
  const cluster = await clusterScaling(TOTAL);
  log('cluster', cluster);

  writeFileSync(
    join(ROOT, 'docs/benchmarks.md'),
    report({
      machine,
      raw,
      ingest,
      ingestRounds,
      amIngestRounds,
      processSeconds,
      rssIdle,
      rssActive,
      rssSettled,
      amRssSettled,
      partsSettled,
      amPartsSettled,
      heapActive,
      steady,
      amIngest,
      amRss,
      amRssIdle,
      split,
      splitProcessSeconds,
      live,
      perIncident,
      sbE2e,
      amE2e,
      cluster,
      maxSize,
    }),
  );
  log('wrote docs/benchmarks.md');
}

interface Results {
  machine: Record<string, unknown>;
  raw: Awaited<ReturnType<typeof rawJetStream>>;
  ingest: LoadResult;
  ingestRounds: LoadResult[];
  amIngestRounds: LoadResult[];
  processSeconds: number;
  rssIdle: number;
  rssActive: number;
  rssSettled: number;
  amRssSettled: number;
  partsSettled: { anon: number; file: number };
  amPartsSettled: { anon: number; file: number };
  heapActive: number;
  steady: LoadResult;
  split: LoadResult;
  splitProcessSeconds: number;
  live: Awaited<ReturnType<typeof liveHeapPerAlert>>;
  perIncident: Awaited<ReturnType<typeof liveHeapPerIncident>>;
  sbE2e: LatencyRun[];
  amE2e: LatencyRun[];
  cluster: ClusterRun[];
  maxSize: MaxSizeRun;
  amIngest: LoadResult;
  amRss: number;
  amRssIdle: number;
}

function report(r: Results): string {
  const ratio = (a: number, b: number) => `${round(a / b, 2)}x`;
  const processed = Math.round(TOTAL / r.processSeconds);
  return `# Benchmarks

Generated by \`make bench\` (test/bench/run.ts) on ${new Date().toISOString().slice(0, 10)}. Every figure below was
measured in the same run on the same machine; references run under the same load. Loopback only.

Machine: ${r.machine['cpu']}, ${r.machine['cores']} cores, ${r.machine['memGiB']} GiB, Node ${r.machine['node']},
${r.machine['nats']}, ${r.machine['alertmanager']}. The router runs on jemalloc (Debian's libjemalloc2, preloaded, as in
the container image). The load generator shares the two cores with the server under test.

## Ingest: ${TOTAL.toLocaleString('en')} distinct alerts, ${BATCH} per request, ${CLIENTS} concurrent clients

| system | alerts/s | request p50 | request p99 | errors | ratio | rounds (alerts/s) |
|---|---:|---:|---:|---:|---:|---|
| Switchboard router (Alertmanager webhook v4, persisted in JetStream before 202) | ${r.ingest.alertsPerSecond} | ${r.ingest.latencyMs.p50} ms | ${r.ingest.latencyMs.p99} ms | ${r.ingest.errors} | ${ratio(r.ingest.alertsPerSecond, r.amIngest.alertsPerSecond)} of Alertmanager | ${r.ingestRounds.map((x) => x.alertsPerSecond).join(', ')} |
| Alertmanager \`/api/v2/alerts\` (reference) | ${r.amIngest.alertsPerSecond} | ${r.amIngest.latencyMs.p50} ms | ${r.amIngest.latencyMs.p99} ms | ${r.amIngest.errors} | 1.00x | ${r.amIngestRounds.map((x) => x.alertsPerSecond).join(', ')} |
| Switchboard, ingest and processing in separate processes (\`--role api\` + \`--role all\`) | ${r.split.alertsPerSecond} | ${r.split.latencyMs.p50} ms | ${r.split.latencyMs.p99} ms | ${r.split.errors} | ${ratio(r.split.alertsPerSecond, r.amIngest.alertsPerSecond)} of Alertmanager | |
| raw JetStream publish, one message per alert, 1000 in flight, one Node process (reference) | ${r.raw.perSecond} | | | | ${ratio(r.ingest.alertsPerSecond, r.raw.perSecond)} router/raw | |

Five rounds of each, in the order R A A R R A A R R A (R: router, A: Alertmanager) so that a drift over the
run favours neither, after one uncounted warm-up round of each for the load generator (a fresh router and
NATS, or a fresh Alertmanager, per round): one round of either moved by up to ±15 % between runs on this
machine. The table shows the median round of each; its ratio compares the medians.

Round *k* of each system ran next to each other in time (R1 A1, A2 R2, R3 A3, A4 R4, R5 A5), so each pair
shares the machine's state of that moment, which drifted by up to 40 % over a run for both systems alike.
The router's rate over Alertmanager's, pair by pair: ${pairRatios(r)
    .map((x) => `${round(x, 2)}x`)
    .join(', ')};
**median ${round(median(pairRatios(r)), 2)}x**, lowest ${round(Math.min(...pairRatios(r)), 2)}x.

The router writes one JetStream message per request and tenant (not per alert), so its ingest is bounded
by HTTP parsing and JSON work on the event loop rather than by JetStream's per-message rate. In one
process, ingest shares the event loop with applying the alerts of the same burst (the consumer gives
way while requests come in); with separate processes the applying finished ${round(r.splitProcessSeconds, 1)} s after
the first request. On this 2-core machine the split is slower: two router processes and nats-server
compete for the same two cores, without the in-process ingest-first scheduling; it is meant for
separate nodes. Alertmanager keeps alerts in memory only; every figure for Switchboard includes the
write to JetStream's file store before the answer.

## Processing

All ${TOTAL.toLocaleString('en')} alerts applied to incidents (grouped by \`alertname\` into 100 incidents) ${round(r.processSeconds, 1)} s
after the first request: **${processed} alerts/s** end to end through the consumer (dedupe, grouping,
compare-and-set on the incidents bucket, audit events).

## Request latency at a steady 2,000 alerts/s (${r.steady.requests} requests of ${BATCH} over 10 s)

| p50 | p99 | max | errors |
|---:|---:|---:|---:|
| ${r.steady.latencyMs.p50} ms | ${r.steady.latencyMs.p99} ms | ${r.steady.latencyMs.max} ms | ${r.steady.errors} |

Target: p99 < 50 ms.

## Memory with ${TOTAL.toLocaleString('en')} active alerts

| system | idle RSS (${IDLE_MS / 1000} s after start) | RSS with the alerts, right after the burst | ratio | ${SETTLE_MS / 1000} s later | ratio |
|---|---:|---:|---:|---:|---:|
| Switchboard router | ${r.rssIdle} MiB | ${r.rssActive} MiB | ${ratio(r.rssActive, r.amRss)} of Alertmanager | ${r.rssSettled} MiB | ${ratio(r.rssSettled, r.amRssSettled)} of Alertmanager |
| Alertmanager (reference) | ${r.amRssIdle} MiB | ${r.amRss} MiB | 1.00x | ${r.amRssSettled} MiB | 1.00x |

Of the router's RSS right after the burst, ${r.heapActive} MiB is JavaScript heap in use at that moment,
garbage included: V8 collects lazily and keeps freed pages after a burst; left alone with the alerts for
${SETTLE_MS / 1000} s it collects and gives most of them back (both systems measured the same way).

${SETTLE_MS / 1000} s later, split by kind of page:

| system | data (anonymous pages) | program (file-backed pages: code mapped from the binary) |
|---|---:|---:|
| Switchboard router | ${r.partsSettled.anon} MiB | ${r.partsSettled.file} MiB |
| Alertmanager | ${r.amPartsSettled.anon} MiB | ${r.amPartsSettled.file} MiB |

Measured after full collections (an in-process router, \`--expose-gc\`), the ${TOTAL.toLocaleString('en')} active
alerts with their 100 incidents hold **${round(r.live.afterMiB - r.live.beforeMiB, 1)} MiB of live data, ${r.live.bytesPerAlert} bytes per alert**
(heap ${r.live.beforeMiB} MiB before, ${r.live.afterMiB} MiB after). What the router has more of is a runtime's: the Node
binary's mapped code, the JavaScript heap of the router's own code and libraries before any alert arrives
(idle RSS above), and V8's headroom after a burst. Each alert's state is held packed in memory (common
keys as single characters, router/incidents/packed-text.ts), about half its JSON text. The container image
runs the router on jemalloc (Dockerfile): glibc's malloc kept ~18 MiB of freed request bodies and NATS
messages in a fragmented heap after this burst. A container limit with
\`NODE_OPTIONS=--max-old-space-size\` bounds the heap's headroom.

## Memory per ${INCIDENTS.toLocaleString('en')} open incidents

Every alert its own incident (\`groupBy: [alertname, instance]\`), each paged once: after full collections the
${INCIDENTS.toLocaleString('en')} open incidents with their alerts, memberships and notification records hold
**${round(r.perIncident.afterMiB - r.perIncident.beforeMiB, 1)} MiB, ${r.perIncident.bytesPerIncident} bytes per incident** (heap ${r.perIncident.beforeMiB} MiB before, ${r.perIncident.afterMiB} MiB after).
Resolved incidents leave memory after \`SWITCHBOARD_RESOLVED_RETENTION\` (default 100 days; docs/soak.md).

${maxSizeSection(r.maxSize)}
${e2eSection(r.sbE2e, r.amE2e)}
${clusterSection(r.cluster, TOTAL)}`;
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
