// PRTG "Execute HTTP Action" against a running router, sent exactly as the shipped template
// integrations/prtg/http-action.txt says: its URL (the ingest key in the path) and its one-line
// form-encoded Postdata, with PRTG's placeholders substituted by realistic values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import {
  PRTG_TEMPLATE,
  PRTG_TEMPLATE_POSTDATA,
  PRTG_TEMPLATE_URL,
  prtgDateTime,
  prtgPostdata,
  prtgUrl,
} from '../harness/prtg.ts';
import { ADMIN_TOKEN, api, startTestRouter, TOKENS } from '../harness/router.ts';

/** The template URL pointed at the test router, with `key` for <INGEST-KEY>. */
const urlWith = (key: string) => prtgUrl(router.url, key);

let nats: NatsServer;
let router: RunningRouter;

async function send(body: string, key: string = TOKENS.acme) {
  const res = await fetch(urlWith(key), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'PRTG Network Monitor' },
    body,
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {}
  // biome-ignore lint/suspicious/noExplicitAny: API JSON
  return { status: res.status, headers: res.headers, body: json as any };
}

function sensor(sensorid: string, status: string, at: number, message: string): Record<string, string> {
  return {
    sensorid,
    deviceid: '2040',
    device: 'web01.acme.local',
    name: 'Ping',
    status,
    down: status.startsWith('Down') ? '2 m 5 s' : '',
    message,
    datetime: prtgDateTime(at),
    lastvalue: status.startsWith('Down') ? 'No data' : '4 msec',
    probe: 'Local Probe',
    group: 'Acme Servers',
    priority: '****',
    tags: 'pingsensor acme-dc1',
  };
}

// biome-ignore lint/suspicious/noExplicitAny: API JSON
async function incidentsOfSensor(sensorId: string): Promise<any[]> {
  const r = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=acme&limit=500');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // biome-ignore lint/suspicious/noExplicitAny: API JSON
  const out: any[] = [];
  for (const s of r.body.incidents) {
    const one = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${s.id}`);
    // biome-ignore lint/suspicious/noExplicitAny: API JSON
    if (one.body.alerts.some((a: any) => a.fingerprint === sensorId)) out.push(one.body);
  }
  return out;
}

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url);
});

after(async () => {
  await router?.stop();
  await nats?.close();
});

describe('PRTG Execute HTTP Action as integrations/prtg/http-action.txt describes it', () => {
  const downAt = Math.floor(Date.now() / 1000) * 1000 - 120_000;

  it('the template is a POST to /api/v1/alerts/prtg/<INGEST-KEY> without %settings', () => {
    assert.match(PRTG_TEMPLATE, /HTTP Method:\s*\n\s*POST/);
    assert.ok(PRTG_TEMPLATE_URL?.includes('/api/v1/alerts/prtg/<INGEST-KEY>'), String(PRTG_TEMPLATE_URL));
    assert.ok(PRTG_TEMPLATE_POSTDATA && !PRTG_TEMPLATE_POSTDATA.includes('%settings'));
  });

  it('Down opens a critical incident', async () => {
    const r = await send(prtgPostdata(sensor('2045', 'Down', downAt, 'Request timed out (ICMP error # 11010)')));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.accepted, 1);
    assert.deepEqual(r.body.tenants, ['acme']);
    const [incident] = await waitFor('the incident of sensor 2045', async () => {
      const list = await incidentsOfSensor('2045');
      return list.length === 1 ? list : undefined;
    });
    assert.equal(incident.tenant, 'acme');
    assert.equal(incident.status, 'triggered');
    assert.equal(incident.severity, 'critical');
    const alert = incident.alerts[0];
    assert.equal(alert.source, 'prtg');
    assert.equal(alert.summary, 'Ping on web01.acme.local is Down: Request timed out (ICMP error # 11010)');
    assert.equal(alert.startsAt, new Date(downAt).toISOString(), '%datetime is the start of the problem');
    assert.deepEqual(
      {
        sensor_id: alert.labels.sensor_id,
        device_id: alert.labels.device_id,
        device: alert.labels.device,
        sensor: alert.labels.sensor,
        probe: alert.labels.probe,
        group: alert.labels.group,
      },
      {
        sensor_id: '2045',
        device_id: '2040',
        device: 'web01.acme.local',
        sensor: 'Ping',
        probe: 'Local Probe',
        group: 'Acme Servers',
      },
    );
    assert.equal(alert.annotations.prtg_status, 'Down');
  });

  it('Up resolves it', async () => {
    const r = await send(prtgPostdata(sensor('2045', 'Up', downAt + 60_000, 'OK')));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const [incident] = await waitFor('the incident of sensor 2045 resolved', async () => {
      const list = await incidentsOfSensor('2045');
      return list[0]?.status === 'resolved' ? list : undefined;
    });
    assert.equal(incident.alerts[0].status, 'resolved');
    assert.equal(incident.alerts[0].endsAt, new Date(downAt + 60_000).toISOString());
    assert.equal((await incidentsOfSensor('2045')).length, 1);
  });

  it('Paused is answered 202 with "ignored" and records nothing', async () => {
    const r = await send(prtgPostdata(sensor('3001', 'Paused (paused by user)', downAt, 'Paused by user')));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.accepted, 0);
    assert.equal(r.body.ignored?.reason, 'paused');
    assert.match(r.body.ignored?.detail, /paused/i);
    // A later alert as a barrier: once it is an incident, anything sent before it has been processed.
    assert.equal((await send(prtgPostdata(sensor('3002', 'Warning', downAt, 'Barrier')))).status, 202);
    await waitFor('the barrier incident', async () => (await incidentsOfSensor('3002')).length === 1);
    assert.equal((await incidentsOfSensor('3001')).length, 0);
  });

  it("PRTG's test button (placeholders unsubstituted) is refused with 400 saying so", async () => {
    const r = await send(prtgPostdata({}));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.error, /test notification/);
    assert.match(r.body.error, /placeholders were not substituted/);
    assert.equal(r.body.details?.field, 'sensorid');
  });

  it('a wrong key in the path is 401', async () => {
    const r = await send(prtgPostdata(sensor('2046', 'Down', downAt, 'x')), 'not-a-key');
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.match(r.body.error, /token is not valid/);
    assert.equal((await incidentsOfSensor('2046')).length, 0);
  });
});
