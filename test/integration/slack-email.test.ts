// Slack and e-mail through the whole router, not only the adapters: an alert to the router (its own
// process, real nats-server) pages the #noc Slack channel, whose incoming-webhook URL is in a Secret and
// points at a local fake Slack that checks what Slack checks (Content-Type, Block Kit shape), and the
// responder Jonas Wolf by e-mail, through a real SMTP server (smtp-server) that the router's
// SWITCHBOARD_SMTP_URL points at. Both messages carry the tenant, severity, summary, respond deadline and
// an acknowledge link that works: GET shows a page, POST acknowledges (test/fixtures/slack-email).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, api, RouterProcess } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';
import { type Answer, type FakeServer, fakeServer, type Recorded } from '../unit/notify/fake-server.ts';

const RUN = Date.now().toString(36);
const SUMMARY = 'db01: disk /var 95% full & rising';

let nats: NatsServer;
let router: RouterProcess;
let slack: FakeServer;
let smtp: SMTPServer;
const mails: { from: string; to: string[]; mail: ParsedMail }[] = [];
/** Why the fake Slack refused a request (empty: every request was accepted). */
const slackRejections: string[] = [];

interface SlackBlock {
  type: string;
  text?: { type: string; text: string };
  elements?: { type: string; text?: string | { type: string; text: string }; url?: string; action_id?: string }[];
}

/** What Slack's incoming webhooks check: JSON, and a `text` or valid `blocks`; else 400 invalid_payload. */
function slackAnswer(r: Recorded): Answer {
  const refuse = (why: string): Answer => {
    slackRejections.push(why);
    return { status: 400, body: 'invalid_payload' };
  };
  if (r.method !== 'POST') return refuse(`method ${r.method}`);
  if (!/^application\/json\b/.test(String(r.headers['content-type']))) {
    return refuse(`content-type ${r.headers['content-type']}`);
  }
  let body: { text?: unknown; blocks?: SlackBlock[] };
  try {
    body = JSON.parse(r.body);
  } catch {
    return refuse('not JSON');
  }
  if (typeof body.text !== 'string' || body.text === '') return refuse('no top-level text');
  if (!Array.isArray(body.blocks) || body.blocks.length === 0 || body.blocks.length > 50) return refuse('blocks');
  for (const b of body.blocks) {
    if (b.type === 'section') {
      if (!b.text || !['mrkdwn', 'plain_text'].includes(b.text.type) || !b.text.text) return refuse('section text');
      if (b.text.text.length > 3000) return refuse('section longer than 3000');
    } else if (b.type === 'context') {
      if (!b.elements?.length || b.elements.length > 10) return refuse('context elements');
      if (b.elements.some((e) => !['mrkdwn', 'plain_text', 'image'].includes(e.type))) return refuse('context element');
    } else if (b.type === 'actions') {
      if (!b.elements?.length || b.elements.length > 25) return refuse('actions elements');
      for (const e of b.elements) {
        if (e.type !== 'button') return refuse(`action ${e.type}`);
        if (typeof e.text !== 'object' || e.text.type !== 'plain_text' || !e.text.text) return refuse('button text');
        if (e.url !== undefined && !/^https?:\/\//.test(e.url)) return refuse('button url');
        if (e.action_id !== undefined && e.action_id.length > 255) return refuse('action_id');
      }
    } else {
      return refuse(`block type ${b.type}`);
    }
  }
  return { status: 200, body: 'ok' };
}

/** `YYYY-MM-DD HH:MM` in Europe/Berlin. */
function berlin(t: number): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(t)
      .map((x) => [x.type, x.value]),
  );
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}`;
}

before(async () => {
  nats = await NatsServer.start();
  slack = await fakeServer(slackAnswer);
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const configDir = mkdtempSync(join(tmpdir(), 'sb-slack-email-'));
  const text = readFileSync(join(ROOT, 'test/fixtures/slack-email/config.yaml'), 'utf8').replaceAll(
    'SLACK_WEBHOOK_URL',
    `${slack.url}/services/T000/B000/XXXX`,
  );
  writeFileSync(join(configDir, 'config.yaml'), text);
  router = await RouterProcess.start(nats.url, configDir, [], {
    SWITCHBOARD_SIGNING_KEY: 'slack-email-test-signing-key-0123456789abcdef',
    SWITCHBOARD_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SWITCHBOARD_SMTP_FROM: 'Switchboard <switchboard@msp.example>',
  });
});

after(async () => {
  await router?.kill();
  await slack?.close();
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await nats?.close();
});

describe('Slack and e-mail through the router', () => {
  let incidentId = '';
  /** The respond deadline as the messages should show it (the minute after too, at a minute's edge). */
  let deadlines: string[] = [];
  const shown = (text: string) => deadlines.some((d) => text.includes(d));
  let slackAck = '';
  let mailAck = '';

  it('an alert pages the Slack channel and the responder by e-mail, each once', async () => {
    const sent = Date.now();
    const res = await api(router.url, 'acme-token').post('/api/v1/alerts', [
      { fingerprint: `${RUN}-disk`, summary: SUMMARY, severity: 'critical', labels: { alertname: 'DiskFull' } },
    ]);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitFor('the Slack message and the e-mail', async () => slack.requests.length >= 1 && mails.length >= 1);
    console.log(`Slack and e-mail received ${Date.now() - sent} ms after the alert was accepted`);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(slack.requests.length, 1, 'one Slack message');
    assert.equal(mails.length, 1, 'one e-mail');
    assert.deepEqual(slackRejections, [], 'the fake Slack accepted the message');
    assert.equal(slack.requests[0]?.path, '/services/T000/B000/XXXX', 'the webhook URL from the Secret');

    const incidents = await api(router.url, ADMIN_TOKEN).get('/api/v1/incidents?tenant=acme');
    const incident = (incidents.body.incidents as { id: string; title: string }[]).find((i) => i.title === SUMMARY);
    assert.ok(incident, JSON.stringify(incidents.body).slice(0, 500));
    incidentId = incident.id;
    // gold: respond within 15 minutes, shown in the tenant's time zone (Europe/Berlin).
    deadlines = [0, 60_000].map((d) => berlin(sent + 15 * 60_000 + d));

    const text = await (await fetch(`${router.url}/metrics`)).text();
    assert.match(text, /switchboard_notifications_total\{type="slack",outcome="sent"\} 1\b/);
    assert.match(text, /switchboard_notifications_total\{type="email",outcome="sent"\} 1\b/);
    assert.match(text, /switchboard_pages_total\{responder="chat\/jonas-wolf"\} 1\b/);
  });

  it('the Slack message carries tenant, severity, summary, respond deadline and the ack button', () => {
    const body = JSON.parse(slack.requests[0]?.body ?? '{}') as { text: string; blocks: SlackBlock[] };
    assert.equal(body.text, `[CRITICAL] ACME Manufacturing: ${SUMMARY}`);
    const section = body.blocks.find((b) => b.type === 'section')?.text?.text ?? '';
    const context = String(body.blocks.find((b) => b.type === 'context')?.elements?.[0]?.text ?? '');
    assert.match(section, /\*ACME Manufacturing\*/);
    assert.match(section, /CRITICAL/);
    assert.ok(section.includes('db01: disk /var 95% full &amp; rising'), `mrkdwn-escaped summary: ${section}`);
    assert.match(section, /Respond by \*\d{4}-\d\d-\d\d \d\d:\d\d CES?T\*/, 'deadline in the tenant time zone');
    assert.match(context, /\*Tenant:\* ACME Manufacturing/);
    assert.match(context, /\*Severity:\* critical/);
    assert.match(context, /\*Respond by:\* \d{4}-\d\d-\d\d \d\d:\d\d/);
    assert.ok(context.includes(incidentId));
    assert.ok(shown(section) && shown(context), `respond deadline ${deadlines[0]}: ${section}`);
    const button = body.blocks.find((b) => b.type === 'actions')?.elements?.[0];
    assert.equal(button?.action_id, 'switchboard-acknowledge');
    slackAck = button?.url ?? '';
    assert.ok(slackAck.startsWith(`${router.url}/ack/`), slackAck);
    assert.ok(section.includes(`<${slackAck}|Acknowledge>`), 'the link in the text as well');
  });

  it('the e-mail carries the same, in a text and an HTML part', () => {
    const m = mails[0];
    assert.ok(m);
    assert.equal(m.from, 'switchboard@msp.example');
    assert.deepEqual(m.to, ['jonas.wolf@msp.example']);
    assert.equal(m.mail.subject, `[CRITICAL] ACME Manufacturing: ${SUMMARY}`);
    assert.equal(m.mail.headers.get('x-switchboard-incident'), incidentId);
    assert.ok(String(m.mail.headers.get('x-switchboard-delivery')).startsWith(`n.${incidentId}.0.0.`));
    const text = m.mail.text ?? '';
    assert.match(text, /Hello Jonas Wolf,/);
    assert.match(text, /ACME Manufacturing has a critical incident:/);
    assert.ok(text.includes(SUMMARY), 'the summary as it is (no &amp;)');
    assert.match(text, /Respond by: \d{4}-\d\d-\d\d \d\d:\d\d CES?T \(SLA\)/);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/ack\/\S+)/.exec(text)?.[1];
    assert.ok(link, text);
    mailAck = link;
    assert.notEqual(mailAck, slackAck, 'the e-mail link names the responder');
    const html = typeof m.mail.html === 'string' ? m.mail.html : '';
    assert.ok(html.includes('db01: disk /var 95% full &amp; rising'), 'HTML-escaped summary');
    assert.ok(html.includes('ACME Manufacturing'));
    assert.ok(html.includes(`href="${mailAck}"`), 'the Acknowledge button');
    assert.ok(shown(text) && shown(html), `respond deadline ${deadlines[0]} in both parts`);
  });

  it('the links work: GET shows a page and changes nothing, POST of the e-mail link acknowledges', async () => {
    for (const link of [slackAck, mailAck]) {
      const shown = await fetch(link);
      assert.equal(shown.status, 200);
      const page = await shown.text();
      assert.match(page, /Acknowledge this incident\?/);
      assert.ok(page.includes('ACME Manufacturing'));
    }
    const before = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${incidentId}`);
    assert.equal(before.body.status, 'triggered', 'GET changes nothing');

    const done = await fetch(mailAck, { method: 'POST' });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /Acknowledged/);
    const acked = await api(router.url, ADMIN_TOKEN).get(`/api/v1/incidents/${incidentId}`);
    assert.equal(acked.body.status, 'acknowledged');
    assert.equal(acked.body.acknowledgedBy, 'Jonas Wolf (acknowledge link)');

    // The Slack link now says who acknowledged it, and does nothing more.
    const again = await fetch(slackAck, { method: 'POST' });
    assert.equal(again.status, 200);
    assert.match(await again.text(), /Already acknowledged[\s\S]*Jonas Wolf \(acknowledge link\)/);
    assert.equal(slack.requests.length, 1);
    assert.equal(mails.length, 1);
  });
});
