// Zabbix and PRTG as the MSP-day test's globex sends them, through the shipped integrations:
// - Zabbix: the shipped media type script (integrations/zabbix/switchboard.js) runs in node:vm as Zabbix runs it
//   (test/unit/ingest/zabbix-webhook-harness.ts), with the media type's parameters filled from the event; the
//   HTTP request it makes is then sent for real, asynchronously (a synchronous request from the test process
//   would block the fake providers' event loop). A non-202 answer makes the script throw, and Zabbix retries
//   the alert: so does this sender.
// - PRTG: the shipped "Execute HTTP Action" template (integrations/prtg/http-action.txt), its URL with the
//   ingest key and its Postdata with the placeholders filled. PRTG itself does not retry; this sender does, so
//   the day's outcome does not depend on when a fault hit (what was answered 202 is checked separately).
import assert from 'node:assert/strict';
import { prtgDateTime, prtgPostdata, prtgUrl } from '../harness/prtg.ts';
import { expandParameters, runWebhook } from '../unit/ingest/zabbix-webhook-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs until the router answers 202 (503 while NATS is away, 502 while no replica answers). */
async function deliver(url: string, init: { headers: Record<string, string>; body: string }): Promise<unknown> {
  let last = '';
  for (let n = 0; n < 100; n++) {
    const res = await fetch(url, { method: 'POST', ...init }).catch((e: Error) => e);
    if (!(res instanceof Error)) {
      const text = await res.text();
      if (res.status === 202) return JSON.parse(text);
      last = `${res.status} ${text.slice(0, 200)}`;
      assert.ok(res.status >= 500 || res.status === 429, `${url}: ${last}`);
    } else last = res.message;
    await sleep(250);
  }
  throw new Error(`${url}: never accepted (${last})`);
}

export interface ZabbixEvent {
  /** The problem's event id: the router's fingerprint. */
  eventId: string;
  name: string;
  host: string;
  /** 0 Not classified … 4 High, 5 Disaster. */
  nseverity: number;
  tags: Record<string, string>;
  /** When the problem started. */
  at: number;
}

const SEVERITY_NAMES = ['Not classified', 'Information', 'Warning', 'Average', 'High', 'Disaster'];

function zabbixDate(at: number): { date: string; time: string } {
  const iso = new Date(at).toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, '.'), time: iso.slice(11, 19) };
}

/** The macros Zabbix fills for this event, by media type parameter name (unset ones stay literal). */
function macros(e: ZabbixEvent): Record<string, string> {
  const { date, time } = zabbixDate(e.at);
  return {
    event_id: e.eventId,
    event_name: e.name,
    event_nseverity: String(e.nseverity),
    event_severity: SEVERITY_NAMES[e.nseverity] ?? 'High',
    event_date: date,
    event_time: time,
    event_timestamp: String(Math.floor(e.at / 1000)),
    event_tagsjson: JSON.stringify(Object.entries(e.tags).map(([tag, value]) => ({ tag, value }))),
    event_opdata: '',
    event_value: '1',
    event_update_status: '0',
    event_ack_status: 'No',
    host_host: e.host,
    host_name: e.host,
    host_id: String(10_000 + Number(e.eventId)),
    trigger_id: String(20_000 + Number(e.eventId)),
  };
}

export class Zabbix {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** Runs the shipped script for one message and sends the request it makes; the router's answer. */
  private async send(message: Record<string, string>): Promise<unknown> {
    const params = expandParameters(message, {
      '{$SWITCHBOARD.URL}': `${this.base}/`,
      '{$SWITCHBOARD.TOKEN}': this.token,
    });
    const run = runWebhook(params);
    assert.equal(run.thrown, undefined, `the media type script threw: ${String(run.thrown)}`);
    const [req] = run.requests;
    assert.ok(req, 'the script made no request');
    const headers: Record<string, string> = {};
    for (const h of req.headers) {
      const i = h.indexOf(':');
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    return deliver(req.url, { headers, body: req.body });
  }

  problem(e: ZabbixEvent): Promise<unknown> {
    return this.send(macros(e));
  }

  /** An update that acknowledges the problem, with a message. */
  acknowledge(e: ZabbixEvent, user: string, text: string): Promise<unknown> {
    return this.send({
      ...macros(e),
      event_update_status: '1',
      event_update_action: 'acknowledged and commented',
      event_update_message: text,
      event_ack_status: 'Yes',
      user_fullname: user,
    });
  }

  recovery(e: ZabbixEvent, at: number): Promise<unknown> {
    const { date, time } = zabbixDate(at);
    return this.send({
      ...macros(e),
      event_value: '0',
      event_recovery_id: String(Number(e.eventId) + 100_000),
      event_recovery_date: date,
      event_recovery_time: time,
      event_recovery_timestamp: String(Math.floor(at / 1000)),
    });
  }
}

export interface PrtgSensor {
  sensorId: string;
  device: string;
  name: string;
  group: string;
}

export class Prtg {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  /** A state change of a sensor (Down, Warning, Up, ...) at `at`. */
  state(s: PrtgSensor, status: string, at: number, message: string): Promise<unknown> {
    const down = status.startsWith('Down');
    const body = prtgPostdata({
      sensorid: s.sensorId,
      deviceid: String(Number(s.sensorId) - 1),
      device: s.device,
      name: s.name,
      status,
      down: down ? '1 m 5 s' : '',
      message,
      datetime: prtgDateTime(at),
      lastvalue: down ? 'No data' : '3 msec',
      probe: 'Local Probe',
      group: s.group,
      priority: '****',
      tags: 'pingsensor branch',
    });
    return deliver(prtgUrl(this.base, this.key), {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'PRTG Network Monitor' },
      body,
    });
  }
}
