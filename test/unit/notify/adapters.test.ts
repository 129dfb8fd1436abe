// Each adapter against a local server that checks what the real service checks.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { autotaskAdapter } from '../../../router/notify/autotask.ts';
import { halopsaAdapter } from '../../../router/notify/halopsa.ts';
import { servicenowAdapter } from '../../../router/notify/servicenow.ts';
import { slackDmAdapter, slackWebhookAdapter } from '../../../router/notify/slack.ts';
import { teamsAdapter } from '../../../router/notify/teams.ts';
import { smsAdapter, voiceAdapter } from '../../../router/notify/twilio.ts';
import { webhookAdapter } from '../../../router/notify/webhook.ts';
import { basicAuthOf, type FakeServer, fakeServer } from './fake-server.ts';
import { CONTEXT, message } from './message.ts';

const servers: FakeServer[] = [];
const serve = async (...args: Parameters<typeof fakeServer>) => {
  const s = await fakeServer(...args);
  servers.push(s);
  return s;
};
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
const timeoutMs = 2_000;
const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('webhook', () => {
  it('POSTs JSON signed over "<timestamp>.<body>"', async () => {
    const key = 'runbook-hmac-key';
    const s = await serve((r) => {
      // What a receiver does: recompute the HMAC over the raw body and compare.
      const ts = String(r.headers['x-switchboard-timestamp']);
      const expected = `sha256=${createHmac('sha256', key).update(`${ts}.${r.body}`).digest('hex')}`;
      return { status: r.headers['x-switchboard-signature'] === expected ? 204 : 401 };
    });
    const res = await webhookAdapter({ timeoutMs, clock: () => 1_772_618_400_000 }).send(
      message({ type: 'webhook', url: `${s.url}/hooks/switchboard`, signingKey: key }),
    );
    assert.deepEqual(res, { ok: true });
    const r = s.requests[0];
    assert.equal(r?.headers['content-type'], 'application/json');
    assert.equal(r?.headers['x-switchboard-timestamp'], '1772618400');
    assert.equal(r?.headers['x-switchboard-delivery'], 'n.inc.0.0.channel/msp/x.-');
    const body = json(r?.body ?? '');
    assert.equal(body['event'], 'page');
    assert.equal(body['ackUrl'], CONTEXT.ackUrl);
    assert.deepEqual(body['tenant'], CONTEXT.tenant);
    assert.match(String(body['text']), /ACME Manufacturing: db01: disk \/var 95% full & rising <fast>/);
  });
  it('a wrong key is refused by the receiver: not recoverable', async () => {
    const s = await serve((r) => ({ status: r.headers['x-switchboard-signature'] ? 401 : 400 }));
    const res = await webhookAdapter({ timeoutMs }).send(message({ type: 'webhook', url: s.url, signingKey: 'other' }));
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.recoverable, false);
  });
});

describe('slack', () => {
  it('incoming webhook: JSON with text and blocks, an Acknowledge link button, mrkdwn escaped', async () => {
    const s = await serve((r) => {
      // Slack rejects bodies that are not JSON or lack text/blocks with 400 invalid_payload.
      if (!String(r.headers['content-type']).startsWith('application/json'))
        return { status: 400, body: 'invalid_payload' };
      const b = json(r.body);
      return typeof b['text'] === 'string' && Array.isArray(b['blocks'])
        ? { status: 200, body: 'ok' }
        : { status: 400, body: 'invalid_payload' };
    });
    const res = await slackWebhookAdapter({ timeoutMs }).send(
      message({ type: 'slack', webhookUrl: `${s.url}/services/T/B/X` }),
    );
    assert.deepEqual(res, { ok: true });
    const b = json(s.requests[0]?.body ?? '') as {
      blocks: { type: string; text?: { text: string }; elements?: { url?: string; text?: unknown }[] }[];
    };
    const section = b.blocks.find((x) => x.type === 'section')?.text?.text ?? '';
    assert.match(section, /95% full &amp; rising &lt;fast&gt;/);
    assert.match(section, /Respond by \*2026-03-04 11:15 CET\*/);
    const button = b.blocks.find((x) => x.type === 'actions')?.elements?.[0];
    assert.equal(button?.url, CONTEXT.ackUrl);
  });
  it('a channel template replaces the body', async () => {
    const s = await serve(() => ({ status: 200, body: 'ok' }));
    await slackWebhookAdapter({ timeoutMs }).send(
      message(
        { type: 'slack', webhookUrl: s.url },
        { template: '*{{{tenant.displayName}}}* {{incident.summary}} <{{{ackUrl}}}|Ack>' },
      ),
    );
    const b = json(s.requests[0]?.body ?? '') as { blocks: { text?: { text: string } }[] };
    assert.equal(
      b.blocks[0]?.text?.text,
      `*ACME Manufacturing* db01: disk /var 95% full &amp; rising &lt;fast&gt; <${CONTEXT.ackUrl}|Ack>`,
    );
  });
  it('channel_not_found (404) is not retried', async () => {
    const s = await serve(() => ({ status: 404, body: 'channel_not_found' }));
    const res = await slackWebhookAdapter({ timeoutMs }).send(message({ type: 'slack', webhookUrl: s.url }));
    assert.deepEqual(res, { ok: false, recoverable: false, error: 'Slack answered 404: channel_not_found' });
  });
  it('via slack: chat.postMessage to the member id with the bot token', async () => {
    const s = await serve((r) =>
      r.headers.authorization === 'Bearer xoxb-test' && r.path === '/api/chat.postMessage'
        ? { body: { ok: true, ts: '1712345678.000100' } }
        : { body: { ok: false, error: 'invalid_auth' } },
    );
    const dm = slackDmAdapter({ timeoutMs, botToken: 'xoxb-test', apiUrl: `${s.url}/api` });
    assert.deepEqual(await dm.send(message({ type: 'slack-dm', userId: 'U024BE7LH' })), {
      ok: true,
      ref: '1712345678.000100',
    });
    assert.equal(json(s.requests[0]?.body ?? '')['channel'], 'U024BE7LH');
    const bad = slackDmAdapter({ timeoutMs, botToken: 'wrong', apiUrl: `${s.url}/api` });
    assert.deepEqual(await bad.send(message({ type: 'slack-dm', userId: 'U1' })), {
      ok: false,
      recoverable: false,
      error: 'Slack chat.postMessage: invalid_auth',
    });
  });
});

describe('teams', () => {
  it('workflow webhook: type message with one Adaptive Card attachment and an OpenUrl action', async () => {
    const s = await serve((r) => {
      const b = json(r.body) as {
        type?: string;
        attachments?: { contentType?: string; content?: { type?: string } }[];
      };
      const ok =
        b.type === 'message' &&
        b.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive' &&
        b.attachments[0].content?.type === 'AdaptiveCard';
      return { status: ok ? 202 : 400 };
    });
    const res = await teamsAdapter({ timeoutMs }).send(message({ type: 'teams', webhookUrl: s.url, mention: null }));
    assert.deepEqual(res, { ok: true });
    const card = (json(s.requests[0]?.body ?? '') as { attachments: { content: Record<string, unknown> }[] })
      .attachments[0]?.content as {
      actions: { type: string; url: string }[];
      body: { facts?: { title: string; value: string }[] }[];
    };
    assert.deepEqual(card.actions[0], { type: 'Action.OpenUrl', title: 'Acknowledge', url: CONTEXT.ackUrl });
    const facts = card.body.find((x) => x.facts)?.facts ?? [];
    assert.deepEqual(
      facts.map((f) => f.value),
      ['ACME Manufacturing', 'critical', '2026-03-04 11:15 CET', CONTEXT.incident.id],
    );
  });
  it('via teams mentions the responder', async () => {
    const s = await serve(() => ({ status: 202 }));
    await teamsAdapter({ timeoutMs }).send(
      message({ type: 'teams', webhookUrl: s.url, mention: { id: 'anna@msp.example', name: 'Anna Becker' } }),
    );
    const content = (json(s.requests[0]?.body ?? '') as { attachments: { content: { msteams?: unknown } }[] })
      .attachments[0]?.content;
    assert.deepEqual(content?.msteams, {
      entities: [
        { type: 'mention', text: '<at>Anna Becker</at>', mentioned: { id: 'anna@msp.example', name: 'Anna Becker' } },
      ],
    });
  });
});

describe('twilio', () => {
  const SID = 'AC0123456789abcdef0123456789abcdef';
  const twilioServer = () =>
    serve((r) => {
      const auth = basicAuthOf(r.headers);
      if (!auth || auth[0] !== SID || auth[1] !== 'auth-token') return { status: 401, body: { code: 20003 } };
      if (r.headers['content-type'] !== 'application/x-www-form-urlencoded')
        return { status: 400, body: { code: 21000 } };
      const f = new URLSearchParams(r.body);
      if (!/^\+\d+$/.test(f.get('To') ?? '')) return { status: 400, body: { code: 21211, message: "Invalid 'To'" } };
      if (r.path === `/2010-04-01/Accounts/${SID}/Messages.json` && f.get('Body') && f.get('From'))
        return { status: 201, body: { sid: 'SM123' } };
      if (r.path === `/2010-04-01/Accounts/${SID}/Calls.json` && f.get('Twiml') && f.get('From'))
        return { status: 201, body: { sid: 'CA123' } };
      return { status: 404, body: { code: 20404 } };
    });
  const settings = (url: string, token = 'auth-token') => ({
    twilio: { accountSid: SID, authToken: token, from: '+4930123456', baseUrl: url },
    timeoutMs,
  });

  it('SMS: form fields To, From, Body with basic auth on the account path', async () => {
    const s = await twilioServer();
    assert.deepEqual(await smsAdapter(settings(s.url)).send(message({ type: 'sms', to: '+4915112345678' })), {
      ok: true,
      ref: 'SM123',
    });
    const f = new URLSearchParams(s.requests[0]?.body);
    assert.equal(f.get('From'), '+4930123456');
    assert.equal(
      f.get('Body'),
      `[CRITICAL] ACME Manufacturing: db01: disk /var 95% full & rising <fast>\nRespond by 2026-03-04 11:15 CET.\nAcknowledge: ${CONTEXT.ackUrl}`,
    );
  });
  it('voice: TwiML with the message spoken, XML-escaped', async () => {
    const s = await twilioServer();
    assert.deepEqual(await voiceAdapter(settings(s.url)).send(message({ type: 'voice', to: '+4915112345678' })), {
      ok: true,
      ref: 'CA123',
    });
    const twiml = new URLSearchParams(s.requests[0]?.body).get('Twiml') ?? '';
    assert.match(twiml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Say>Switchboard alert for ACME/);
    assert.match(twiml, /95% full &amp; rising &lt;fast&gt;/);
  });
  it('a wrong token (401) and an invalid number (400) are not retried', async () => {
    const s = await twilioServer();
    const r1 = await smsAdapter(settings(s.url, 'wrong')).send(message({ type: 'sms', to: '+4915112345678' }));
    assert.equal(r1.ok === false && r1.recoverable, false);
    const r2 = await smsAdapter(settings(s.url)).send(message({ type: 'sms', to: '015112345678' }));
    assert.equal(r2.ok === false && r2.recoverable, false);
  });
  it('without Twilio settings: a clear, unrecoverable error', async () => {
    const r = await smsAdapter({ twilio: null, timeoutMs }).send(message({ type: 'sms', to: '+4915112345678' }));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /SWITCHBOARD_TWILIO_ACCOUNT_SID/);
  });
});

describe('servicenow', () => {
  it('creates a record with basic auth and JSON, then PATCHes it by sys_id', async () => {
    const s = await serve((r) => {
      const auth = basicAuthOf(r.headers);
      if (auth?.[0] !== 'switchboard' || auth[1] !== 'pw')
        return { status: 401, body: { error: { message: 'User Not Authenticated' } } };
      if (r.headers.accept !== 'application/json' || r.headers['content-type'] !== 'application/json')
        return { status: 415 };
      if (r.method === 'POST' && r.path === '/api/now/table/incident')
        return { status: 201, body: { result: { sys_id: '9d385017c611228701d22104cc95c371', number: 'INC0010001' } } };
      if (r.method === 'PATCH' && r.path === '/api/now/table/incident/9d385017c611228701d22104cc95c371')
        return { status: 200, body: { result: {} } };
      return { status: 404 };
    });
    const sn = servicenowAdapter({ timeoutMs });
    const dest = {
      type: 'servicenow' as const,
      instanceUrl: s.url,
      table: 'incident',
      username: 'switchboard',
      password: 'pw',
    };
    const created = await sn.send(message(dest));
    assert.deepEqual(created, { ok: true, ref: '9d385017c611228701d22104cc95c371' });
    const body = json(s.requests[0]?.body ?? '');
    assert.equal(body['correlation_id'], `switchboard:${CONTEXT.incident.id}`);
    assert.equal(body['urgency'], '1');
    assert.match(String(body['description']), /Acknowledge: https:\/\/switchboard/);

    const acked = await sn.send(
      message(dest, {
        event: 'acknowledged',
        ticketRef: '9d385017c611228701d22104cc95c371',
        context: { ...CONTEXT, by: 'Anna Becker' },
      }),
    );
    assert.deepEqual(acked, { ok: true, ref: '9d385017c611228701d22104cc95c371' });
    assert.deepEqual(json(s.requests[1]?.body ?? ''), {
      state: '2',
      work_notes: 'Acknowledged by Anna Becker in Switchboard.',
    });
    await sn.send(message(dest, { event: 'resolved', ticketRef: '9d385017c611228701d22104cc95c371' }));
    assert.equal(json(s.requests[2]?.body ?? '')['state'], '6');
  });
});

describe('autotask', () => {
  it('sends the three auth headers, creates a ticket and PATCHes it with the id in the body', async () => {
    const s = await serve((r) => {
      const h = r.headers;
      if (h['apiintegrationcode'] !== 'CODE' || h['username'] !== 'api@msp.example' || h['secret'] !== 's3cret')
        return { status: 401 };
      if (r.path !== '/ATServicesRest/V1.0/Tickets') return { status: 404 };
      if (r.method === 'POST') {
        const b = json(r.body);
        // Autotask's required fields for a ticket.
        const ok = ['companyID', 'title', 'status', 'priority'].every((k) => b[k] !== undefined);
        return ok ? { status: 200, body: { itemId: 7001 } } : { status: 500, body: { errors: ['missing field'] } };
      }
      return r.method === 'PATCH' ? { status: 200, body: { itemId: json(r.body)['id'] } } : { status: 405 };
    });
    const at = autotaskAdapter({ timeoutMs });
    const dest = {
      type: 'autotask' as const,
      baseUrl: `${s.url}/ATServicesRest`,
      companyId: 29684512,
      queueId: 29683481,
      username: 'api@msp.example',
      secret: 's3cret',
      integrationCode: 'CODE',
    };
    assert.deepEqual(await at.send(message(dest)), { ok: true, ref: '7001' });
    const created = json(s.requests[0]?.body ?? '');
    assert.equal(created['companyID'], 29684512);
    assert.equal(created['queueID'], 29683481);
    assert.equal(created['priority'], 4);
    assert.deepEqual(await at.send(message(dest, { event: 'resolved', ticketRef: '7001' })), { ok: true, ref: '7001' });
    assert.equal(s.requests[1]?.method, 'PATCH');
    assert.deepEqual(json(s.requests[1]?.body ?? '')['id'], 7001);
    assert.equal(json(s.requests[1]?.body ?? '')['status'], 5);
  });
});

describe('halopsa', () => {
  it('gets a client-credentials token, then creates the ticket with the bearer token (token reused)', async () => {
    const s = await serve((r) => {
      if (r.path === '/auth/token') {
        const f = new URLSearchParams(r.body);
        const ok =
          r.headers['content-type'] === 'application/x-www-form-urlencoded' &&
          f.get('grant_type') === 'client_credentials' &&
          f.get('client_id') === 'app-id' &&
          f.get('client_secret') === 'app-secret';
        return ok ? { body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 } } : { status: 401 };
      }
      if (r.headers.authorization !== 'Bearer tok-1') return { status: 401 };
      if (r.path === '/api/Tickets') {
        const b = JSON.parse(r.body) as Record<string, unknown>[];
        return Array.isArray(b) ? { status: 201, body: { id: 3101, ...b[0] } } : { status: 400 };
      }
      if (r.path === '/api/Actions') return { status: 201, body: [{ id: 1 }] };
      return { status: 404 };
    });
    const halo = halopsaAdapter({ timeoutMs });
    const dest = {
      type: 'halopsa' as const,
      baseUrl: s.url,
      clientId: 42,
      ticketTypeId: 21,
      oauthClientId: 'app-id',
      oauthClientSecret: 'app-secret',
    };
    assert.deepEqual(await halo.send(message(dest)), { ok: true, ref: '3101' });
    const ticket = (JSON.parse(s.requests[1]?.body ?? '[]') as Record<string, unknown>[])[0];
    assert.equal(ticket?.['client_id'], 42);
    assert.equal(ticket?.['tickettype_id'], 21);
    assert.deepEqual(await halo.send(message(dest, { event: 'acknowledged', ticketRef: '3101' })), {
      ok: true,
      ref: '3101',
    });
    assert.deepEqual(
      s.requests.map((r) => r.path),
      ['/auth/token', '/api/Tickets', '/api/Actions'],
    );
  });
  it('bad client credentials are not retried', async () => {
    const s = await serve(() => ({ status: 401, body: { error: 'invalid_client' } }));
    const r = await halopsaAdapter({ timeoutMs }).send(
      message({
        type: 'halopsa',
        baseUrl: s.url,
        clientId: null,
        ticketTypeId: null,
        oauthClientId: 'x',
        oauthClientSecret: 'y',
      }),
    );
    assert.equal(r.ok === false && r.recoverable, false);
  });
});
