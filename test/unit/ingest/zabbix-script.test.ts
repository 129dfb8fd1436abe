// The shipped Zabbix media type, end to end up to the router's parser: the YAML export carries the
// script byte for byte, the script (run as Zabbix runs it) posts the right request, and the body it
// posts for the captured Zabbix 6.0.14 problem, acknowledgement and recovery parses into the drafts
// Switchboard needs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseZabbix, ZABBIX_PAYLOAD_KEYS } from '../../../router/ingest/zabbix.ts';
import { fixture } from './helpers.ts';
import { expandParameters, runWebhook, shippedMediaType, shippedScript } from './zabbix-webhook-harness.ts';

const NOW = new Date('2026-11-26T15:20:00Z');
const USER_MACROS = {
  '{$SWITCHBOARD.URL}': 'https://switchboard.test/',
  '{$SWITCHBOARD.TOKEN}': 'sb-ingest-token-acme',
};
const TRANSPORT_PARAMETERS = ['url', 'token', 'http_proxy'];

/** Runs the shipped script for a captured message and parses what it posted. */
function deliver(captured: string) {
  const run = runWebhook(expandParameters(fixture(captured), USER_MACROS));
  assert.equal(run.thrown, undefined, String(run.thrown));
  assert.equal(run.returned, 'OK');
  assert.equal(run.requests.length, 1);
  const request = run.requests[0]!;
  return { run, request, drafts: parseZabbix(JSON.parse(request.body), NOW).alerts };
}

describe('switchboard_mediatype.yaml', () => {
  const mediaType = shippedMediaType().zabbix_export.media_types[0]!;

  it('embeds switchboard.js byte for byte', () => {
    assert.equal(mediaType.script, shippedScript());
  });

  it('is a Zabbix 6.0 webhook export (importable into 6.0 and, converted on import, 7.0)', () => {
    assert.equal(shippedMediaType().zabbix_export.version, '6.0');
    assert.equal(mediaType.type, 'WEBHOOK');
    assert.equal(mediaType.name, 'Switchboard');
  });

  it('sends every key the parser reads (event_tags is only a fallback) and nothing else', () => {
    const sent = mediaType.parameters.map((p) => p.name).filter((name) => !TRANSPORT_PARAMETERS.includes(name));
    const expected = ZABBIX_PAYLOAD_KEYS.filter((key) => key !== 'event_tags');
    assert.deepEqual([...sent].sort(), [...expected].sort());
  });

  it('fills the parameters from the macros the parser expects', () => {
    const macros = Object.fromEntries(mediaType.parameters.map((p) => [p.name, p.value ?? '']));
    for (const [name, macro] of Object.entries({
      event_id: '{EVENT.ID}',
      event_value: '{EVENT.VALUE}',
      event_update_status: '{EVENT.UPDATE.STATUS}',
      event_ack_status: '{EVENT.ACK.STATUS}',
      event_nseverity: '{EVENT.NSEVERITY}',
      event_severity: '{EVENT.SEVERITY}',
      event_name: '{EVENT.NAME}',
      event_tagsjson: '{EVENT.TAGSJSON}',
      event_date: '{EVENT.DATE}',
      event_time: '{EVENT.TIME}',
      event_recovery_date: '{EVENT.RECOVERY.DATE}',
      event_recovery_time: '{EVENT.RECOVERY.TIME}',
      event_update_message: '{EVENT.UPDATE.MESSAGE}',
      event_opdata: '{EVENT.OPDATA}',
      host_name: '{HOST.NAME}',
      host_host: '{HOST.HOST}',
      trigger_id: '{TRIGGER.ID}',
      user_fullname: '{USER.FULLNAME}',
      url: '{$SWITCHBOARD.URL}',
      token: '{$SWITCHBOARD.TOKEN}',
    })) {
      assert.equal(macros[name], macro, name);
    }
  });

  it('has problem, recovery and update message templates for trigger actions', () => {
    const modes = mediaType.message_templates
      .filter((t) => t.event_source === 'TRIGGERS')
      .map((t) => t.operation_mode)
      .sort();
    assert.deepEqual(modes, ['PROBLEM', 'RECOVERY', 'UPDATE']);
  });
});

describe('switchboard.js is ES5, as Zabbix Duktape requires', () => {
  // No ES5 parser among the dependencies; these are the ES2015+ forms a contributor would reach for.
  const forbidden: [RegExp, string][] = [
    [/\blet\s/, 'let'],
    [/\bconst\s/, 'const'],
    [/=>/, 'arrow function'],
    [/`/, 'template string'],
    [/\bclass\s/, 'class'],
    [/\.\.\./, 'spread/rest'],
    [/\bObject\.hasOwn\(/, 'Object.hasOwn'],
  ];
  const code = shippedScript()
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  for (const [pattern, name] of forbidden) {
    it(`uses no ${name}`, () => assert.doesNotMatch(code, pattern));
  }
});

describe('switchboard.js posting the captured Zabbix 6.0.14 messages', () => {
  it('posts a problem to /api/v1/alerts/zabbix with the token in the header only', () => {
    const { run, request, drafts } = deliver('zabbix-6.0.14-webhook-problem.json');
    assert.equal(request.url, 'https://switchboard.test/api/v1/alerts/zabbix');
    assert.deepEqual(request.headers, ['Content-Type: application/json', 'Authorization: Bearer sb-ingest-token-acme']);
    assert.ok(!request.body.includes('sb-ingest-token-acme'), 'token leaked into the body');
    assert.ok(!request.body.includes('switchboard.test'), 'Switchboard URL sent in the body');
    assert.ok(run.logs.some((l) => l.level === 4 && l.message.includes('event_id=1')));
    assert.equal(run.proxy, undefined);
    assert.deepEqual(drafts, [
      {
        source: 'zabbix',
        fingerprint: '1',
        status: 'firing',
        severity: 'high',
        summary: 'High CPU on web01',
        labels: {
          host: 'web01',
          host_name: 'web01',
          role: 'web',
          service: 'web',
          source: 'zabbix-peer',
          trigger_id: '23133',
        },
        annotations: { opdata: '99', zabbix_severity: 'High' },
        startsAt: '2026-11-26T15:14:44.000Z',
      },
    ]);
  });

  it('posts an acknowledgement that becomes acknowledgedBy and a note on the same fingerprint', () => {
    const [draft] = deliver('zabbix-6.0.14-webhook-ack.json').drafts;
    assert.equal(draft?.fingerprint, '1');
    assert.equal(draft?.status, 'firing');
    assert.equal(draft?.acknowledgedBy, 'Zabbix Administrator (Admin)');
    assert.equal(draft?.note, 'Looking into it (zabbix-peer demo)');
  });

  it('posts a recovery that resolves the same fingerprint at the recovery time', () => {
    const [draft] = deliver('zabbix-6.0.14-webhook-recovery.json').drafts;
    assert.equal(draft?.fingerprint, '1');
    assert.equal(draft?.status, 'resolved');
    assert.equal(draft?.endsAt, '2026-11-26T15:14:52.000Z');
    assert.equal(draft?.acknowledgedBy, undefined);
  });

  it('sends the parameters untouched: unfilled macros stay literal for the router to ignore', () => {
    const { request } = deliver('zabbix-6.0.14-webhook-problem.json');
    const body = JSON.parse(request.body) as Record<string, string>;
    assert.equal(body['user_fullname'], '{USER.FULLNAME}');
    assert.equal(body['event_timestamp'], '{EVENT.TIMESTAMP}');
    assert.equal(body['timezone'], 'UTC');
  });

  it('uses the HTTP proxy parameter when set', () => {
    const params = { ...expandParameters(fixture('zabbix-6.0.14-webhook-problem.json'), USER_MACROS) };
    params['http_proxy'] = 'http://proxy.local:3128';
    const run = runWebhook(params);
    assert.equal(run.proxy, 'http://proxy.local:3128');
    assert.ok(!run.requests[0]?.body.includes('proxy.local'));
  });
});

describe('switchboard.js failures (Zabbix shows the thrown text and retries)', () => {
  const params = () => expandParameters(fixture('zabbix-6.0.14-webhook-problem.json'), USER_MACROS);

  it('throws with the status and body when Switchboard does not answer 202', () => {
    const run = runWebhook(params(), 400, '{"error":"event_value: is required"}');
    assert.equal(
      run.thrown,
      'Switchboard webhook failed: Switchboard answered 400: {"error":"event_value: is required"}',
    );
    assert.ok(run.logs.some((l) => l.level === 3));
  });

  it('treats 200 as a failure too: only 202 means stored', () => {
    assert.match(String(runWebhook(params(), 200).thrown), /answered 200/);
  });

  it('refuses to run with the URL macro undefined, naming the macro, without sending', () => {
    const run = runWebhook(expandParameters(fixture('zabbix-6.0.14-webhook-problem.json'), {}));
    assert.match(String(run.thrown), /\{\$SWITCHBOARD\.URL\}/);
    assert.equal(run.requests.length, 0);
  });

  it('refuses to run without a token, naming the macro, without sending', () => {
    const run = runWebhook({ ...params(), token: '{$SWITCHBOARD.TOKEN}' });
    assert.match(String(run.thrown), /\{\$SWITCHBOARD\.TOKEN\}/);
    assert.equal(run.requests.length, 0);
  });
});
