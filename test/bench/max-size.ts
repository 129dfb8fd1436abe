// Memory with maximum-size alerts (issue #17 point 3): the router's RSS holding N distinct firing alerts whose
// every capped field is full (docs/api.md "Limits"), next to Alertmanager holding the same alerts. Run alone,
// reduced: `BENCH_ONLY=max-size BENCH_MAX_SIZE_ALERTS=2000 node --import tsx test/bench/run.ts`.
import { join } from 'node:path';
import { INGEST_LIMITS } from '../../router/ingest/limits.ts';
import { Alertmanager } from '../harness/alertmanager.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { copyConfig, RouterProcess } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';
import { round, rssMiB, saturate } from './load.ts';

/** ~18 KiB per alert: 50 fit a 4 MiB body with room to spare. */
const BATCH = 50;
const CLIENTS = 2;

/** Text of `length` characters, distinct per alert and field (no two alerts share a string). */
function filler(i: number, field: string, length: number): string {
  const head = `${field}-${i}-`;
  return head + 'x'.repeat(Math.max(0, length - head.length));
}

/**
 * An alert at the caps, in ASCII with ordinary names: eight 1,024-character label values (the 8 KiB label
 * budget), a 1,024-character summary and 7 KiB more of annotations (the 8 KiB annotation budget).
 */
export function maxSizeAlert(i: number) {
  const labels: Record<string, string> = { alertname: 'MaxSize', instance: `host-${i}` };
  const perLabel = Math.floor((INGEST_LIMITS.maxLabelValueBytes - 64) / 8);
  for (let k = 0; k < 8; k++)
    labels[`label_${k}`] = filler(i, `l${k}`, Math.min(perLabel, INGEST_LIMITS.maxLabelValueLength));
  const annotations = {
    summary: filler(i, 'summary', INGEST_LIMITS.maxSummaryLength),
    description: filler(i, 'description', INGEST_LIMITS.maxAnnotationValueLength),
    runbook_url: `https://runbooks.example/${filler(i, 'runbook', 3_000)}`,
  };
  return { labels, annotations };
}

export interface MaxSizeRun {
  alerts: number;
  routerRssMiB: number;
  routerIdleMiB: number;
  routerHeldMiB: number;
  maxStateBytes: number;
  amRssMiB: number;
  amIdleMiB: number;
  errors: number;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`, 'gm'))) n += Number(m[2]);
  return n;
}

export async function maxSizeMemory(
  total: number,
  idleMs: number,
  settleMs: number,
  amOptions: Parameters<typeof Alertmanager.start>[0],
): Promise<MaxSizeRun> {
  const now = () => new Date().toISOString();
  // The router: Alertmanager webhooks of BATCH alerts.
  const nats = await NatsServer.start();
  const router = await RouterProcess.start(nats.url, copyConfig(join(ROOT, 'test/fixtures/bench')));
  let routerRssMiB: number;
  let routerIdleMiB: number;
  let routerHeldMiB: number;
  let maxStateBytes: number;
  let errors = 0;
  try {
    await new Promise((r) => setTimeout(r, idleMs));
    routerIdleMiB = rssMiB(router.pid);
    const r1 = await saturate(total, BATCH, CLIENTS, async (from, to) => {
      const alerts = [];
      for (let i = from; i < to; i++) {
        alerts.push({
          status: 'firing',
          ...maxSizeAlert(i),
          startsAt: now(),
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: `max-${i.toString(16).padStart(12, '0')}`,
        });
      }
      const r = await fetch(`${router.url}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', status: 'firing', receiver: 'switchboard', alerts }),
      });
      await r.arrayBuffer();
      return r.status === 202;
    });
    errors += r1.errors;
    await waitFor(
      'all max-size alerts processed',
      async () => ((await metric(router.url, 'switchboard_alerts_processed_total')) >= total ? true : undefined),
      600_000,
    );
    await new Promise((r) => setTimeout(r, settleMs));
    routerRssMiB = rssMiB(router.pid);
    routerHeldMiB = round((await metric(router.url, 'switchboard_alert_states_bytes')) / 1024 ** 2, 1);
    maxStateBytes = await metric(router.url, 'switchboard_alert_state_max_bytes');
  } finally {
    await router.stop();
    await nats.close();
  }

  // Alertmanager, the same alerts through its own API.
  const am = await Alertmanager.start(amOptions);
  let amRssMiB: number;
  let amIdleMiB: number;
  try {
    await new Promise((r) => setTimeout(r, idleMs));
    amIdleMiB = rssMiB(am.pid);
    const r2 = await saturate(total, BATCH, CLIENTS, async (from, to) => {
      const body = [];
      for (let i = from; i < to; i++) body.push({ ...maxSizeAlert(i), startsAt: now() });
      const r = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await r.arrayBuffer();
      return r.status === 200;
    });
    errors += r2.errors;
    await new Promise((r) => setTimeout(r, settleMs));
    amRssMiB = rssMiB(am.pid);
  } finally {
    await am.stop();
  }
  return { alerts: total, routerRssMiB, routerIdleMiB, routerHeldMiB, maxStateBytes, amRssMiB, amIdleMiB, errors };
}

export function maxSizeSection(r: MaxSizeRun): string {
  const ratio = (a: number, b: number) => `${round(a / b, 2)}x`;
  return `## Memory with ${r.alerts.toLocaleString('en')} maximum-size alerts

Every alert distinct and firing, each capped field full (docs/api.md "Limits": eight label values filling
the 8 KiB label budget, a 1,024-character summary, annotations filling their 8 KiB budget; ASCII), sent as
webhooks of ${BATCH}; Alertmanager gets the same alerts on \`/api/v2/alerts\`. RSS after the alerts were
applied and both were left alone for a while (errors: ${r.errors}).

| system | idle RSS | RSS with the alerts | ratio |
|---|---:|---:|---:|
| Switchboard router | ${r.routerIdleMiB} MiB | ${r.routerRssMiB} MiB | ${ratio(r.routerRssMiB, r.amRssMiB)} of Alertmanager |
| Alertmanager (reference) | ${r.amIdleMiB} MiB | ${r.amRssMiB} MiB | 1.00x |

The router held ${r.routerHeldMiB} MiB of alert state (\`switchboard_alert_states_bytes\`), the largest
${r.maxStateBytes} characters (\`switchboard_alert_state_max_bytes\`). Alertmanager keeps whatever it is sent;
an alert larger than the caps costs the router no more than this one.
`;
}
