// Load generation and measurement helpers for `make bench`.
import { readFileSync } from 'node:fs';

export interface LoadResult {
  alerts: number;
  requests: number;
  errors: number;
  seconds: number;
  alertsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

export function rssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/**
 * A process's resident memory split into anonymous pages (its data: heaps, stacks) and file-backed ones
 * (mostly its own program code, mapped from the binary), in MiB.
 */
export function rssPartsMiB(pid: number | undefined): { anon: number; file: number } {
  if (!pid) return { anon: Number.NaN, file: Number.NaN };
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { anon: Math.round(kb('RssAnon') / 1024), file: Math.round((kb('RssFile') + kb('RssShmem')) / 1024) };
}

/** Posts `total` alerts in requests of `batch` from `clients` concurrent workers, as fast as they go. */
export async function saturate(
  total: number,
  batch: number,
  clients: number,
  send: (from: number, to: number) => Promise<boolean>,
): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  let requests = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      const from = next;
      next = Math.min(total, from + batch);
      const s = performance.now();
      const ok = await send(from, next);
      lat.push(performance.now() - s);
      requests++;
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    alerts: total,
    requests,
    errors,
    seconds,
    alertsPerSecond: Math.round(total / seconds),
    latencyMs: {
      p50: round(percentile(lat, 0.5)),
      p99: round(percentile(lat, 0.99)),
      max: round(lat[lat.length - 1] ?? 0),
    },
  };
}

/** Sends `batch`-alert requests at a fixed alert rate for `seconds`, measuring each request's latency. */
export async function fixedRate(
  alertsPerSecond: number,
  batch: number,
  seconds: number,
  send: (from: number, to: number) => Promise<boolean>,
): Promise<LoadResult> {
  const interval = (1000 * batch) / alertsPerSecond;
  const n = Math.floor((seconds * 1000) / interval);
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let k = 0; k < n; k++) {
    const due = t0 + k * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      (async () => {
        const s = performance.now();
        const ok = await send(k * batch, (k + 1) * batch);
        lat.push(performance.now() - s);
        if (!ok) errors++;
      })(),
    );
  }
  await Promise.all(inflight);
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    alerts: n * batch,
    requests: n,
    errors,
    seconds: secs,
    alertsPerSecond: Math.round((n * batch) / secs),
    latencyMs: {
      p50: round(percentile(lat, 0.5)),
      p99: round(percentile(lat, 0.99)),
      max: round(lat[lat.length - 1] ?? 0),
    },
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The Prometheus graph link of the `i`th synthetic alert: the same for both systems, as the rest of the alert. */
export function generatorUrl(i: number): string {
  return `http://prometheus.example:9090/graph?g0.expr=up%3D%3D0&idx=${i}`;
}

/** A synthetic alert as Prometheus would produce it (the shape of the reference benchmark). */
export function syntheticLabels(i: number, run: string) {
  return {
    labels: {
      alertname: `BenchAlert${i % 100}`,
      instance: `host-${i}.example:9100`,
      job: 'node',
      severity: i % 10 ? 'warning' : 'critical',
      env: 'bench',
      run,
    },
    annotations: {
      summary: `Synthetic alert ${i} for benchmarking`,
      description: 'Instance host is over threshold for more than 5 minutes (synthetic).',
    },
  };
}

/** An Alertmanager webhook v4 body of firing alerts, as Alertmanager 0.25 sends it. */
export function alertmanagerWebhook(
  run: string,
  alerts: { labels: Record<string, string>; annotations: Record<string, string>; fingerprint: string }[],
) {
  const now = new Date().toISOString();
  return JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'switchboard',
    groupKey: `{}:{run="${run}"}`,
    truncatedAlerts: 0,
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: alerts.map((a) => ({
      status: 'firing',
      ...a,
      startsAt: now,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph',
    })),
  });
}
