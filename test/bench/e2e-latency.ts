// End-to-end alert-to-notification latency (issue #9): alerts sent at a fixed rate, each its own incident
// (Switchboard) or its own group (Alertmanager, group_by every label that tells them apart, group_wait 0s:
// its fastest setting), and the time from sending an alert to the webhook receiving its notification.
// Every notification is counted per alert, so a lost or doubled one shows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Alertmanager } from '../harness/alertmanager.ts';
import { NatsServer } from '../harness/nats.ts';
import { RouterProcess } from '../harness/router.ts';
import { alertmanagerWebhook, percentile, round } from './load.ts';

export interface LatencyRun {
  system: string;
  rate: number;
  sent: number;
  notified: number;
  lost: number;
  doubled: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of the warm-up seconds before the measured ones (null without a warm-up). */
  coldP99Ms: number | null;
}

/** Requests per second at most 100: at higher rates each request carries several alerts (as Alertmanager batches). */
const batchFor = (rate: number) => Math.max(1, Math.ceil(rate / 100));
const SECONDS = Number(process.env['BENCH_E2E_SECONDS'] ?? 10);
const WARMUP_S = Number(process.env['BENCH_E2E_WARMUP_S'] ?? 3);
/** After the last alert: how long without a new notification ends the wait, and the longest wait in all. */
const DRAIN_MS = 30_000;
const MAX_DRAIN_MS = 300_000;

/** A webhook receiver that records, per alert token `e2e-<run>-<i>`, the arrival times. */
export class Receiver {
  readonly arrivals = new Map<string, number[]>();
  private server!: Server;

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    r.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const text = Buffer.concat(chunks).toString();
        for (const m of text.matchAll(/e2e-[a-z0-9]+-\d+/g)) {
          const list = r.arrivals.get(m[0]) ?? [];
          // Alertmanager repeats an alert's token in several fields: count one per request.
          if (list.length === 0 || list[list.length - 1] !== at) list.push(at);
          r.arrivals.set(m[0], list);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

type Send = (tokens: { token: string; i: number }[]) => Promise<boolean>;

/** Sends `rate` alerts/s for `seconds` through `send`; returns when each was sent and how many failed. */
async function drive(rate: number, seconds: number, run: string, send: Send) {
  const batch = batchFor(rate);
  const interval = (1000 * batch) / rate;
  const requests = Math.floor((seconds * 1000) / interval);
  const sentAt = new Map<string, number>();
  let failed = 0;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let k = 0; k < requests; k++) {
    const wait = t0 + k * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const tokens = Array.from({ length: batch }, (_, j) => ({
      token: `e2e-${run}-${k * batch + j}`,
      i: k * batch + j,
    }));
    const at = performance.now();
    for (const t of tokens) sentAt.set(t.token, at);
    inflight.push(
      send(tokens).then(
        (ok) => {
          if (!ok) failed += tokens.length;
        },
        () => {
          failed += tokens.length;
        },
      ),
    );
  }
  await Promise.all(inflight);
  return { sentAt, failed };
}

/**
 * Waits while notifications keep coming (a backlog drains at the system's own pace), up to DRAIN_MS without
 * progress and at most MAX_DRAIN_MS in all, then a moment more (so a late duplicate would show); returns the
 * sorted latencies and the doubled count.
 */
async function collect(receiver: Receiver, sent: { sentAt: Map<string, number>; failed: number }) {
  const have = () => {
    let n = 0;
    for (const t of sent.sentAt.keys()) if (receiver.arrivals.has(t)) n++;
    return n;
  };
  const start = performance.now();
  let lastCount = -1;
  let lastProgress = start;
  for (;;) {
    const n = have();
    const t = performance.now();
    if (n !== lastCount) {
      lastCount = n;
      lastProgress = t;
    }
    if (n >= sent.sentAt.size - sent.failed || t - lastProgress > DRAIN_MS || t - start > MAX_DRAIN_MS) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 2_000));
  const lat: number[] = [];
  let doubled = 0;
  for (const [token, at] of sent.sentAt) {
    const got = receiver.arrivals.get(token);
    if (!got) continue;
    lat.push((got[0] as number) - at);
    if (got.length > 1) doubled++;
  }
  lat.sort((a, b) => a - b);
  return { lat, doubled };
}

/**
 * Warms the system up with WARMUP_S seconds at the same rate (its own alerts, waited for, reported apart as
 * `coldP99Ms`: a JIT-compiled runtime is slow for its first seconds under load), then sends `rate` alerts/s
 * for SECONDS and measures those.
 */
export async function measure(system: string, rate: number, run: string, receiver: Receiver, send: Send) {
  let coldP99Ms: number | null = null;
  // Lost and doubled count the warm-up's alerts too: nothing may be lost or doubled, cold or not.
  let warmLost = 0;
  let warmDoubled = 0;
  if (WARMUP_S > 0) {
    const warmSent = await drive(rate, WARMUP_S, `${run}w`, send);
    const warm = await collect(receiver, warmSent);
    coldP99Ms = round(percentile(warm.lat, 0.99));
    warmLost = warmSent.sentAt.size - warm.lat.length;
    warmDoubled = warm.doubled;
  }
  const sent = await drive(rate, SECONDS, run, send);
  const { lat, doubled } = await collect(receiver, sent);
  return {
    system,
    rate,
    sent: sent.sentAt.size,
    notified: lat.length,
    lost: sent.sentAt.size - lat.length + warmLost,
    doubled: doubled + warmDoubled,
    p50Ms: round(percentile(lat, 0.5)),
    p99Ms: round(percentile(lat, 0.99)),
    maxMs: round(lat[lat.length - 1] ?? 0),
    coldP99Ms,
  };
}

export const BENCH_CONFIG = (
  hookUrl: string,
) => `# End-to-end latency: every alert its own incident, paged at once to a webhook channel.
apiVersion: v1
kind: Secret
metadata: {name: tokens, namespace: bench}
stringData:
  bench: bench-token
---
apiVersion: switchboard.dev/v1alpha1
kind: Tenant
metadata: {name: bench, namespace: bench}
spec:
  displayName: Benchmark
  serviceLevel: sla
  escalationPolicy: page
  timezone: Etc/UTC
  ingestTokenSecretRef: {name: tokens, key: bench}
  groupBy: [alertname, instance]
---
apiVersion: switchboard.dev/v1alpha1
kind: ServiceLevel
metadata: {name: sla, namespace: bench}
spec:
  targets:
    critical: {respond: 15m, resolve: 4h}
    warning: {respond: 4h, resolve: 3d}
---
apiVersion: switchboard.dev/v1alpha1
kind: EscalationPolicy
metadata: {name: page, namespace: bench}
spec:
  steps: [{after: 0m, notify: [{channel: hook}]}]
---
apiVersion: switchboard.dev/v1alpha1
kind: Channel
metadata: {name: hook, namespace: bench}
spec:
  type: webhook
  webhook: {url: "${hookUrl}"}
`;

const alertLabels = (t: { token: string; i: number }) => ({
  alertname: 'E2eLatency',
  instance: t.token,
  severity: 'warning',
});

/** Switchboard: Alertmanager webhooks into the router, pages out to a webhook channel. */
export async function switchboardLatency(rates: number[]): Promise<LatencyRun[]> {
  const receiver = await Receiver.start();
  const out: LatencyRun[] = [];
  for (const rate of rates) {
    // A fresh NATS and router per rate: no backlog of an earlier rate in the figures.
    const nats = await NatsServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'sb-bench-e2e-'));
    writeFileSync(join(dir, 'config.yaml'), BENCH_CONFIG(receiver.url));
    const router = await RouterProcess.start(nats.url, dir);
    try {
      const run = `s${rate}`;
      out.push(
        await measure('Switchboard', rate, run, receiver, async (tokens) => {
          const r = await fetch(`${router.url}/api/v1/alerts/alertmanager`, {
            method: 'POST',
            headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
            body: alertmanagerWebhook(
              run,
              tokens.map((t) => ({
                labels: alertLabels(t),
                annotations: { summary: `latency probe ${t.token}` },
                fingerprint: t.token,
              })),
            ),
          });
          await r.arrayBuffer();
          return r.status === 202;
        }),
      );
    } finally {
      await router.stop();
      await nats.close();
    }
  }
  await receiver.close();
  return out;
}

/** Alertmanager: alerts posted to its API, one group per alert, group_wait 0s, to the same kind of receiver. */
export async function alertmanagerLatency(rates: number[]): Promise<LatencyRun[]> {
  const receiver = await Receiver.start();
  const out: LatencyRun[] = [];
  for (const rate of rates) {
    const am = await Alertmanager.start({
      webhookUrl: receiver.url,
      token: 'x',
      groupBy: ['alertname', 'instance'],
      groupWait: '0s',
      groupInterval: '5m',
      repeatInterval: '24h',
    });
    try {
      out.push(
        await measure('Alertmanager', rate, `a${rate}`, receiver, async (tokens) => {
          const now = new Date().toISOString();
          const r = await fetch(`${am.url}/api/v2/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              tokens.map((t) => ({
                labels: alertLabels(t),
                annotations: { summary: `latency probe ${t.token}` },
                startsAt: now,
                generatorURL: 'http://prometheus.example:9090/graph',
              })),
            ),
          });
          await r.arrayBuffer();
          return r.status === 200;
        }),
      );
    } finally {
      await am.stop();
    }
  }
  await receiver.close();
  return out;
}

export function e2eSection(sb: LatencyRun[], am: LatencyRun[]): string {
  const rows = sb.map((s, k) => {
    const a = am[k];
    const ratio = a && a.p99Ms > 0 ? `${round(s.p99Ms / a.p99Ms, 1)}x` : '';
    const line = (r: LatencyRun) =>
      `| ${r.system} | ${r.rate.toLocaleString('en')} | ${r.sent} | ${r.notified} | ${r.lost} | ${r.doubled} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.coldP99Ms ?? '–'} ms |`;
    return [`${line(s)} |`, a ? `${line(a)} ${ratio} |` : ''].join('\n');
  });
  return `## End to end: alert sent → webhook notification received, ${SECONDS} s per rate

Every alert is its own incident (Switchboard: \`groupBy: [alertname, instance]\`, policy step after 0m to a
webhook channel) or its own group (Alertmanager: \`group_by: [alertname, instance]\`, \`group_wait: 0s\`, its
fastest setting). Alerts go in as Alertmanager webhooks (Switchboard) or \`POST /api/v2/alerts\`
(Alertmanager), at most 100 requests/s (several alerts per request above 100 alerts/s). A fresh server per
rate, warmed up with ${WARMUP_S} s at the same rate (its own alerts, all notified before the measured ${SECONDS} s
start): a JIT-compiled runtime runs slowly for its first seconds under load, so the warm-up's p99 is
reported apart as the cold start. Lost: sent and never notified (no notification came for ${DRAIN_MS / 1000} s, or
${MAX_DRAIN_MS / 60_000} minutes passed), warm-up included; doubled: notified more than once, warm-up included.
Latency includes any backlog: above the rate a system can page, it grows with the run's length.

| system | alerts/s | sent | notified | lost | doubled | p50 | p99 | max | p99 of the warm-up (cold start) | Switchboard p99 / Alertmanager p99 |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Target: Switchboard p99 < 250 ms at 1,000 alerts/s, nothing lost or doubled at any rate.

Where Switchboard's time goes: before a page leaves, the alert is persisted in JetStream (before the
\`202\`), its incident, group claim, membership and alert state are written to the incidents bucket by
compare-and-set, its timeline events are appended, the escalation trigger is published and consumed, and
the page is claimed in the notification log and settled after the provider answered: about a dozen NATS
operations on file storage per new incident, where Alertmanager keeps alerts in memory. Every alert
opening its own incident is the worst case; alerts that join an open incident cost a fraction of that.
At 1,000 new incidents/s the router's event loop is close to saturated on this machine (the router ~1
core, nats-server ~0.3, the load generator ~0.2 of the 2), so a higher rate builds a backlog and the
latency grows with the run's length; more replicas on more nodes take more (docs/scaling.md).
`;
}
