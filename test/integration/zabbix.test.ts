// The SHIPPED Zabbix media type script (integrations/zabbix/switchboard.js), run in node:vm the way
// Zabbix runs it, talking to a real router: its stub HttpRequest.post performs a real, synchronous
// HTTP request (Duktape's is synchronous too) in a child process. Parameters are the media type's,
// with macros filled from messages a real Zabbix 6.0.14 sent (test/fixtures/zabbix-6.0.14-webhook-*).
// The router runs as its own process: a synchronous request from this process would otherwise block
// the very event loop that has to answer it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import vm from 'node:vm';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess, TOKENS } from '../harness/router.ts';
import { expandParameters, shippedScript } from '../unit/ingest/zabbix-webhook-harness.ts';

/** Reads stdin, POSTs it to argv[1] with the headers in argv[2], prints {status, body}. */
const POST_SCRIPT = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const [url, headers] = process.argv.slice(1);
  let out;
  try {
    const res = await fetch(url, { method: 'POST', headers: JSON.parse(headers), body: Buffer.concat(chunks) });
    out = { status: res.status, body: await res.text() };
  } catch (e) {
    out = { status: 0, body: 'request failed: ' + String(e && e.cause ? e.cause : e) };
  }
  process.stdout.write(JSON.stringify(out));
});
`;

interface ScriptRun {
  returned?: unknown;
  thrown?: unknown;
  responses: { url: string; status: number; body: string }[];
  logs: { level: number; message: string }[];
}

/** Runs the shipped script as Zabbix does: a function body with `value`, `HttpRequest` and `Zabbix.log`. */
function runShippedScript(params: Record<string, string>): ScriptRun {
  const run: ScriptRun = { responses: [], logs: [] };
  class HttpRequest {
    private readonly headers: Record<string, string> = {};
    private status = 0;
    addHeader(header: string): void {
      const colon = header.indexOf(':');
      this.headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    }
    setProxy(_proxy: string): void {}
    post(url: string, body: string): string {
      const out = execFileSync(process.execPath, ['-e', POST_SCRIPT, url, JSON.stringify(this.headers)], {
        input: body,
        encoding: 'utf8',
        timeout: 15_000,
      });
      const { status, body: text } = JSON.parse(out) as { status: number; body: string };
      this.status = status;
      run.responses.push({ url, status, body: text });
      return text;
    }
    getStatus(): number {
      return this.status;
    }
  }
  const Zabbix = { log: (level: number, message: string) => run.logs.push({ level, message }) };
  const context = vm.createContext({ value: JSON.stringify(params), HttpRequest, Zabbix });
  const script = new vm.Script(`(function () {\n${shippedScript()}\n})()`, { filename: 'switchboard.js' });
  try {
    run.returned = script.runInContext(context, { timeout: 20_000 });
  } catch (error) {
    run.thrown = error;
  }
  return run;
}

function captured(kind: 'problem' | 'ack' | 'recovery'): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/zabbix-6.0.14-webhook-${kind}.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
}

let nats: NatsServer;
let router: RouterProcess;

/** The media type's parameters for a captured message, pointed at the router. */
function paramsFor(message: Record<string, unknown>, token: string = TOKENS.acme): Record<string, string> {
  return expandParameters(message, { '{$SWITCHBOARD.URL}': `${router.url}/`, '{$SWITCHBOARD.TOKEN}': token });
}

function deliver(message: Record<string, unknown>): ScriptRun {
  const run = runShippedScript(paramsFor(message));
  assert.equal(run.thrown, undefined, `the script threw: ${String(run.thrown)}`);
  assert.equal(run.returned, 'OK');
  assert.equal(run.responses.length, 1);
  assert.equal(run.responses[0]!.url, `${router.url}/api/v1/alerts/zabbix`);
  assert.equal(run.responses[0]!.status, 202, run.responses[0]!.body);
  return run;
}

// biome-ignore lint/suspicious/noExplicitAny: API JSON
async function incidentsWithEvent(eventId: string): Promise<any[]> {
  const r = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=acme&limit=500');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // biome-ignore lint/suspicious/noExplicitAny: API JSON
  const out: any[] = [];
  for (const s of r.body.incidents) {
    const one = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${s.id}`);
    // biome-ignore lint/suspicious/noExplicitAny: API JSON
    if (one.body.alerts.some((a: any) => a.fingerprint === eventId)) out.push(one.body);
  }
  return out;
}

before(async () => {
  nats = await NatsServer.start();
  router = await RouterProcess.start(nats.url);
});

after(async () => {
  await router?.stop();
  await nats?.close();
});

describe('the shipped Zabbix media type against a running router', () => {
  const eventId = String(captured('problem')['event_id']);

  it('problem: opens a triggered incident with the severity of EVENT.NSEVERITY', async () => {
    deliver(captured('problem'));
    const [incident] = await waitFor('the incident of the Zabbix problem', async () => {
      const list = await incidentsWithEvent(eventId);
      return list.length === 1 ? list : undefined;
    });
    assert.equal(incident.status, 'triggered');
    assert.equal(incident.severity, 'high', 'EVENT.NSEVERITY 4 (High) -> high');
    const alert = incident.alerts[0];
    assert.equal(alert.source, 'zabbix');
    assert.equal(alert.summary, 'High CPU on web01');
    assert.equal(alert.labels.host, 'web01');
    assert.equal(alert.labels.service, 'web');
    assert.equal(alert.startsAt, '2026-11-26T15:14:44.000Z');
  });

  it('update with acknowledgement: acknowledges the incident as the Zabbix user, with the note on the timeline', async () => {
    deliver(captured('ack'));
    const [incident] = await waitFor('the incident acknowledged', async () => {
      const list = await incidentsWithEvent(eventId);
      return list[0]?.status === 'acknowledged' ? list : undefined;
    });
    assert.equal(incident.acknowledgedBy, 'Zabbix Administrator (Admin)');
    const acked = await waitFor('the acknowledgement and the note on the timeline', async () => {
      const [one] = await incidentsWithEvent(eventId);
      // biome-ignore lint/suspicious/noExplicitAny: API JSON
      const types = one.timeline.map((e: any) => e.type);
      return types.includes('incident.acknowledged') && types.includes('incident.note') ? one : undefined;
    });
    // biome-ignore lint/suspicious/noExplicitAny: API JSON
    const note = acked.timeline.find((e: any) => e.type === 'incident.note');
    assert.equal(note.text, 'Looking into it (zabbix-peer demo)');
    assert.equal(note.by, 'Zabbix Administrator (Admin)');
    assert.equal(note.visibility, 'internal');
    assert.equal((await incidentsWithEvent(eventId)).length, 1, 'the update joins the problem (same EVENT.ID)');
  });

  it('recovery: resolves the incident', async () => {
    deliver(captured('recovery'));
    const [incident] = await waitFor('the incident resolved', async () => {
      const list = await incidentsWithEvent(eventId);
      return list[0]?.status === 'resolved' ? list : undefined;
    });
    assert.equal(incident.alerts[0].status, 'resolved');
    assert.equal(incident.alerts[0].endsAt, '2026-11-26T15:14:52.000Z');
    assert.equal((await incidentsWithEvent(eventId)).length, 1);
  });

  it('takes the severity from the number, even when the severity names were renamed', async () => {
    const message = { ...captured('problem'), event_id: '9001', event_nseverity: '5', event_severity: 'Sev 5' };
    deliver(message);
    const [incident] = await waitFor('the disaster incident', async () => {
      const list = await incidentsWithEvent('9001');
      return list.length === 1 ? list : undefined;
    });
    assert.equal(incident.severity, 'critical', 'EVENT.NSEVERITY 5 (Disaster) -> critical');
  });

  it("throws with the router's answer when it is not 202 (wrong token: 401), so Zabbix retries", () => {
    const run = runShippedScript(paramsFor(captured('problem'), 'not-a-valid-token'));
    assert.equal(run.responses[0]?.status, 401);
    assert.ok(run.thrown !== undefined, 'the script must throw');
    const thrown = String(run.thrown);
    assert.match(thrown, /Switchboard webhook failed: Switchboard answered 401/);
    assert.match(thrown, /the token is not valid/);
    assert.ok(
      run.logs.some((l) => l.level === 3 && l.message.includes('401')),
      'logged at level 3 (warning)',
    );
  });

  it('throws naming the field when the router refuses the event (400)', () => {
    const run = runShippedScript(paramsFor({ ...captured('problem'), event_value: '{EVENT.VALUE}' }));
    assert.equal(run.responses[0]?.status, 400);
    assert.match(String(run.thrown), /Switchboard answered 400: .*event_value/);
  });
});
