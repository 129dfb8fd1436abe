// The notification providers of the example MSP, faked on loopback for the MSP-day test: Slack (incoming
// webhook and Web API), Teams, Twilio (SMS and voice), ServiceNow, Autotask, HaloPSA, the runbook-automation
// webhook, Tom's personal push webhook and an SMTP server. Each fake answers as the real service does (ids the
// router keeps as ticket references) and records every attempt: when, the X-Switchboard-Delivery id, and what
// it answered. A provider can be put into an outage: while it lasts, each delivery's first attempt hangs (the
// router's request timeout) and its second gets a 503; the third goes through. So an outage delays pages
// without ever using up the router's five attempts, and "delivered exactly once" stays decidable.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { type Answer, type FakeServer, fakeServer, type Recorded } from '../unit/notify/fake-server.ts';

export const PROVIDERS = [
  'slack',
  'slack-api',
  'teams',
  'twilio',
  'servicenow',
  'autotask',
  'halopsa',
  'automation',
  'push',
  'smtp',
] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface Attempt {
  provider: Provider;
  at: number;
  /** X-Switchboard-Delivery, '' when the request has none (HaloPSA's token request). */
  delivery: string;
  path: string;
  body: string;
  /** Recipient: the SMS/call number, the Slack user, the e-mail addresses; '' for channels. */
  to: string;
  /** What the fake did: answered with this status, or never answered (the router timed out). */
  answer: number | 'timeout';
}

/** Whether an attempt was accepted by the provider (the notification was delivered). */
export const accepted = (a: Attempt) => typeof a.answer === 'number' && a.answer >= 200 && a.answer < 300;

type Responder = (r: Recorded) => Answer;

export class Providers {
  readonly attempts: Attempt[] = [];
  /** Providers in an outage, and the outages as [from, to] per provider (to: Infinity while it lasts). */
  readonly outages: Record<string, [number, number][]> = {};
  private readonly failures = new Map<string, number>();
  private readonly servers = new Map<Provider, FakeServer>();
  private smtp: SMTPServer | null = null;
  private smtpPort = 0;
  private ids = 1000;

  static async start(): Promise<Providers> {
    const p = new Providers();
    const json = (body: unknown, status = 200): Answer => ({ status, body });
    const next = () => ++p.ids;
    const answers: Record<Exclude<Provider, 'smtp'>, Responder> = {
      slack: () => ({ status: 200, body: 'ok' }),
      'slack-api': () => json({ ok: true, ts: `${(Date.now() / 1000).toFixed(6)}` }),
      teams: () => ({ status: 202, body: '' }),
      twilio: (r) => json({ sid: `${r.path.includes('Calls') ? 'CA' : 'SM'}${next()}` }, 201),
      servicenow: (r) =>
        r.method === 'POST' ? json({ result: { sys_id: `sys${next()}`, number: `INC${next()}` } }, 201) : json({}),
      autotask: (r) => json({ itemId: r.method === 'POST' ? next() : JSON.parse(r.body).id }),
      halopsa: (r) =>
        r.path === '/auth/token' ? json({ access_token: 'halo-token', expires_in: 3600 }) : json([{ id: next() }]),
      automation: () => json({ ok: true }),
      push: () => json({ ok: true }),
    };
    for (const [name, answer] of Object.entries(answers) as [Exclude<Provider, 'smtp'>, Responder][]) {
      p.servers.set(name, await fakeServer((r) => p.handle(name, r, answer)));
    }
    p.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        simpleParser(stream)
          .then((mail) => {
            p.attempts.push({
              provider: 'smtp',
              at: Date.now(),
              delivery: String(mail.headers.get('x-switchboard-delivery') ?? ''),
              path: String(mail.subject ?? ''),
              body: mail.text ?? '',
              to: session.envelope.rcptTo.map((t) => t.address).join(','),
              answer: 250,
            });
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((r) => p.smtp?.listen(0, '127.0.0.1', r));
    p.smtpPort = (p.smtp.server.address() as AddressInfo).port;
    return p;
  }

  url(name: Exclude<Provider, 'smtp'>): string {
    const s = this.servers.get(name);
    if (!s) throw new Error(`no fake ${name}`);
    return s.url;
  }

  get smtpUrl(): string {
    return `smtp://127.0.0.1:${this.smtpPort}`;
  }

  /** Starts an outage of these providers (see the file comment). */
  fail(...names: Provider[]): void {
    for (const n of names) {
      this.outages[n] ??= [];
      this.outages[n].push([Date.now(), Number.POSITIVE_INFINITY]);
    }
  }

  /** Ends their outage: every request goes through again. */
  recover(...names: Provider[]): void {
    for (const n of names) {
      const last = this.outages[n]?.at(-1);
      if (last && last[1] === Number.POSITIVE_INFINITY) last[1] = Date.now();
    }
  }

  private failing(name: Provider): boolean {
    return this.outages[name]?.at(-1)?.[1] === Number.POSITIVE_INFINITY;
  }

  private handle(name: Provider, r: Recorded, answer: Responder): Answer {
    const delivery = String(r.headers['x-switchboard-delivery'] ?? '');
    const attempt: Attempt = {
      provider: name,
      at: Date.now(),
      delivery,
      path: r.path,
      body: r.body,
      to: '',
      answer: 0,
    };
    attempt.to = recipient(name, r);
    this.attempts.push(attempt);
    const key = `${name} ${delivery}`;
    const failed = this.failures.get(key) ?? 0;
    if (this.failing(name) && delivery && failed < 2) {
      this.failures.set(key, failed + 1);
      if (failed === 0) {
        attempt.answer = 'timeout';
        return { hang: true };
      }
      attempt.answer = 503;
      return { status: 503, body: name === 'slack' ? 'service_unavailable' : { message: 'Service Unavailable' } };
    }
    const a = answer(r);
    attempt.answer = a.status ?? 200;
    return a;
  }

  /** Attempts of notifications (those with a delivery id), optionally of one provider. */
  deliveries(provider?: Provider): Attempt[] {
    return this.attempts.filter((a) => a.delivery && (!provider || a.provider === provider));
  }

  /** Milliseconds since the last attempt at any provider (Infinity before the first). */
  /** Deliveries that failed and have not been accepted since: a sender is between its retries. */
  retrying(): string[] {
    const done = new Set(this.attempts.filter(accepted).map((a) => a.delivery));
    return [...new Set(this.attempts.filter((a) => !accepted(a) && !done.has(a.delivery)).map((a) => a.delivery))];
  }

  idleFor(): number {
    const last = this.attempts.at(-1);
    return last ? Date.now() - last.at : Number.POSITIVE_INFINITY;
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    await new Promise<void>((r) => (this.smtp ? this.smtp.close(() => r()) : r()));
  }
}

function recipient(name: Provider, r: Recorded): string {
  try {
    if (name === 'twilio') return new URLSearchParams(r.body).get('To') ?? '';
    if (name === 'slack-api') return String(JSON.parse(r.body).channel ?? '');
  } catch {}
  return '';
}
