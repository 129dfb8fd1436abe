// E-mail through a real SMTP server (smtp-server) on 127.0.0.1, parsed as a mail client would.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { emailAdapter } from '../../../router/notify/email.ts';
import { CONTEXT, message } from './message.ts';

describe('email over SMTP', () => {
  const received: { from: string; to: string[]; mail: ParsedMail }[] = [];
  let rejectNext: number | null = null;
  let server: SMTPServer;
  let url = '';

  before(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, cb) {
        if (rejectNext !== null) {
          const code = rejectNext;
          rejectNext = null;
          const err = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & {
            responseCode: number;
          };
          err.responseCode = code;
          return cb(err);
        }
        cb();
        void address;
      },
      onData(stream, session, cb) {
        simpleParser(stream)
          .then((mail) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              mail,
            });
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('delivers a multipart message with a plain-text and an HTML part', async () => {
    const mailer = emailAdapter({ smtpUrl: url, from: 'Switchboard <switchboard@msp.example>', timeoutMs: 5_000 });
    try {
      const res = await mailer.send(message({ type: 'email', to: ['noc@msp.example', 'duty@msp.example'] }));
      assert.equal(res.ok, true);
    } finally {
      mailer.close();
    }
    const got = received.at(-1);
    assert.ok(got);
    assert.equal(got.from, 'switchboard@msp.example');
    assert.deepEqual(got.to, ['noc@msp.example', 'duty@msp.example']);
    assert.equal(got.mail.subject, '[CRITICAL] ACME Manufacturing: db01: disk /var 95% full & rising <fast>');
    assert.match(got.mail.text ?? '', /db01: disk \/var 95% full & rising <fast>/);
    assert.match(got.mail.text ?? '', /Respond by: 2026-03-04 11:15 CET \(SLA\)/);
    assert.ok((got.mail.text ?? '').includes(CONTEXT.ackUrl));
    const html = typeof got.mail.html === 'string' ? got.mail.html : '';
    assert.match(html, /95% full &amp; rising &lt;fast&gt;/);
    assert.ok(html.includes(`href="${CONTEXT.ackUrl}"`));
    assert.equal(got.mail.headers.get('x-switchboard-incident'), CONTEXT.incident.id);
  });

  it('a channel template is the text part, and the HTML part says the same, escaped', async () => {
    const mailer = emailAdapter({ smtpUrl: url, from: 'switchboard@msp.example', timeoutMs: 5_000 });
    try {
      await mailer.send(
        message(
          { type: 'email', to: ['noc@msp.example'] },
          { template: '{{{tenant.displayName}}}: {{incident.summary}}\nAck: {{{ackUrl}}}' },
        ),
      );
    } finally {
      mailer.close();
    }
    const got = received.at(-1)?.mail;
    assert.equal(
      got?.text?.trim(),
      `ACME Manufacturing: db01: disk /var 95% full & rising <fast>\nAck: ${CONTEXT.ackUrl}`,
    );
    assert.match(
      typeof got?.html === 'string' ? got.html : '',
      /ACME Manufacturing: db01: disk \/var 95% full &amp; rising &lt;fast&gt;/,
    );
  });

  it('4yz answers are recoverable, 5yz are not', async () => {
    const mailer = emailAdapter({ smtpUrl: url, from: 'switchboard@msp.example', timeoutMs: 5_000 });
    try {
      rejectNext = 451;
      const transient = await mailer.send(message({ type: 'email', to: ['noc@msp.example'] }));
      assert.equal(transient.ok === false && transient.recoverable, true);
      rejectNext = 550;
      const permanent = await mailer.send(message({ type: 'email', to: ['noc@msp.example'] }));
      assert.equal(permanent.ok === false && permanent.recoverable, false);
    } finally {
      mailer.close();
    }
  });

  it('an unreachable server is recoverable; no SMTP settings is not', async () => {
    const down = emailAdapter({ smtpUrl: 'smtp://127.0.0.1:1', from: 'a@b.example', timeoutMs: 2_000 });
    const r = await down.send(message({ type: 'email', to: ['noc@msp.example'] }));
    down.close();
    assert.equal(r.ok === false && r.recoverable, true);
    const none = await emailAdapter({ smtpUrl: null, from: 'a@b.example', timeoutMs: 2_000 }).send(
      message({ type: 'email', to: ['noc@msp.example'] }),
    );
    assert.equal(none.ok === false && none.recoverable, false);
  });
});
