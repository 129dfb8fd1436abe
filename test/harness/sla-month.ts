// A month of incidents for two tenants (test/fixtures/sla-month), driven through the router's API with a
// controllable clock: used by test/integration/sla-month.test.ts (every figure checked by hand) and by the
// browser test (docs screenshots). Every step runs at the instant it names, in order.
//
// acme (ServiceLevel business: critical 24x7 15m/4h, updates 30m then every 1h; high business hours 1h/8h,
// first update 1h; warning business hours 4h/2d; holiday 19 March; Berlin DST on 29 March):
//   P1 critical web   10 Feb 10:00Z (previous period) ack +5m, update +10m, resolved +1h
//   A1 critical web    2 Mar 10:00Z detected 2m before, ack +10m, updates +20m +1h15m, resolved +2h
//   A2 critical mail   5 Mar 14:00Z ack +25m (late), updates +50m (late) +1h40m, resolved +5h (late; last update late)
//   A7 critical mail  10 Mar 12:00Z detected 1m before, resolved by its alert after 10m (no ack, no update due)
//   A3 critical web   14 Mar 21:30Z in the web maintenance window (22:00-02:00 Berlin): pages at 01:00Z,
//                     ack 01:10Z, update 01:20Z, resolved 02:00Z
//   A4 warning db     18 Mar 16:00Z (Wed 17:00 Berlin), 19 March a holiday: ack Fri 09:30Z, resolved Fri 16:00Z
//   A8 high vpn       24 Mar 19:00Z, outside business hours: pages Wed 07:00Z (08:00 Berlin), ack 07:20Z,
//                     first update 10:00Z (late), resolved 11:00Z
//   A5 high erp       27 Mar 16:30Z (Fri 17:30 CET), update 17:10Z, ack Mon 30 07:00Z (09:00 CEST, late), resolved 09:00Z
//   A6 critical web   31 Mar 22:00Z detected 5m before, update 22:20Z, still open at the end of the month
// globex (ServiceLevel around-the-clock, all 24x7: critical 10m/2h, updates 15m then every 30m; high 30m/6h;
// warning 2h/1d; New York DST on 8 March):
//   PG1 high api      20 Feb 08:00Z (previous period) ack +20m, resolved +2h
//   G1 critical api    8 Mar 04:00Z (Sat 23:00 EST) ack +8m, updates on time, resolved 07:30Z (03:30 EDT: 3h30m)
//   G2 high api       12 Mar 15:00Z detected 90s before, ack +45m (late), resolved by its alert +2h
//   G3 warning batch  18 Mar 02:00Z, resolved by its alert +3h, never acknowledged (late)
//   G4 critical api   23 Mar 13:00Z ack +5m, first update +40m (late), +1h05m, resolved +1h30m
import assert from 'node:assert/strict';
import { waitFor } from './ports.ts';
import { ADMIN_TOKEN, api, TOKENS } from './router.ts';

export const MONTH = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' } as const;
export type Tenant = keyof typeof TOKENS;

const ms = (iso: string) => Date.parse(iso);

export class MonthDriver {
  /** Incident ids by scenario name (A1, G3, ...). */
  readonly ids: Record<string, string> = {};
  private readonly alerts = new Map<string, { tenant: Tenant; body: Record<string, unknown> }>();

  constructor(
    private readonly url: () => string,
    private readonly setNow: (ms: number) => void,
  ) {}

  /** The tenant's ingest token: sends its alerts (and nothing else). */
  private client(tenant: Tenant) {
    return api(this.url(), TOKENS[tenant]);
  }

  /** MSP staff (the admin token, naming the person with `by`): read and act on the tenant's incidents. */
  private staff(_tenant: Tenant) {
    return api(this.url(), ADMIN_TOKEN);
  }

  private async incident(tenant: Tenant, name: string) {
    return (await this.staff(tenant).get(`/api/v1/incidents/${this.ids[name]}`)).body;
  }

  async open(
    tenant: Tenant,
    name: string,
    at: string,
    o: { severity: string; service: string; title: string; detectS?: number },
  ): Promise<void> {
    this.setNow(ms(at));
    const body = {
      fingerprint: `${tenant}-${name}`,
      summary: o.title,
      severity: o.severity,
      startsAt: new Date(ms(at) - (o.detectS ?? 0) * 1000).toISOString(),
      labels: { alertname: name, instance: `${o.service}01`, service: o.service },
    };
    this.alerts.set(name, { tenant, body });
    const r = await this.client(tenant).post('/api/v1/alerts', body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    this.ids[name] = await waitFor(`incident ${name}`, async () => {
      const l = await this.staff(tenant).get(`/api/v1/incidents?tenant=${tenant}`);
      return (l.body.incidents as { id: string; title: string }[]).find((i) => i.title === o.title)?.id;
    });
  }

  /** The alert resolves at `at`: the incident resolves by itself. */
  async alertResolves(name: string, at: string): Promise<void> {
    this.setNow(ms(at));
    const a = this.alerts.get(name);
    assert.ok(a, name);
    const r = await this.client(a.tenant).post('/api/v1/alerts', { ...a.body, status: 'resolved', endsAt: at });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await waitFor(`${name} resolved`, async () => (await this.incident(a.tenant, name)).status === 'resolved');
  }

  async act(tenant: Tenant, name: string, kind: 'acknowledge' | 'resolve', at: string): Promise<void> {
    this.setNow(ms(at));
    const r = await this.staff(tenant).post(`/api/v1/incidents/${this.ids[name]}/${kind}`, { by: 'alice' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  async update(tenant: Tenant, name: string, at: string, text: string, status = 'identified'): Promise<void> {
    this.setNow(ms(at));
    const r = await this.staff(tenant).post(`/api/v1/incidents/${this.ids[name]}/notes`, {
      text,
      visibility: 'customer',
      status,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }

  async internal(tenant: Tenant, name: string, at: string, text: string): Promise<void> {
    this.setNow(ms(at));
    const r = await this.staff(tenant).post(`/api/v1/incidents/${this.ids[name]}/notes`, {
      text,
      visibility: 'internal',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }

  /** A muted incident: checks it does not page, then lets the clock reach `at` and waits until it pages. */
  async pagesAt(tenant: Tenant, name: string, at: string): Promise<void> {
    assert.equal((await this.incident(tenant, name)).pagingSince, null, `${name} opened muted`);
    this.setNow(ms(at));
    // The router re-checks muted incidents when a muting ends (its wake-ups run on real time, this clock is
    // fake) and whenever a silence changes: a silence that matches nothing makes it ask now.
    const nudge = await this.staff(tenant).post('/api/v1/silences', {
      tenant,
      matchers: ['alertname="sla-month-recheck"'],
      endsAt: new Date(ms(at) + 60_000).toISOString(),
      createdBy: 'sla-month',
      comment: 're-check muted incidents at the fake time',
    });
    assert.equal(nudge.status, 201, JSON.stringify(nudge.body));
    const since = await waitFor(
      `${name} pages`,
      async () => (await this.incident(tenant, name)).pagingSince ?? undefined,
    );
    assert.equal(since, new Date(ms(at)).toISOString());
  }

  /** The whole scenario, then the clock at the end of the month. */
  async run(): Promise<void> {
    // Previous period.
    await this.open('acme', 'P1', '2026-02-10T10:00:00Z', {
      severity: 'critical',
      service: 'web',
      title: 'Web shop slow',
      detectS: 60,
    });
    await this.act('acme', 'P1', 'acknowledge', '2026-02-10T10:05:00Z');
    await this.update('acme', 'P1', '2026-02-10T10:10:00Z', 'Checkout is slow; we are on it.', 'investigating');
    await this.act('acme', 'P1', 'resolve', '2026-02-10T11:00:00Z');
    await this.open('globex', 'PG1', '2026-02-20T08:00:00Z', {
      severity: 'high',
      service: 'api',
      title: 'API error rate high',
    });
    await this.act('globex', 'PG1', 'acknowledge', '2026-02-20T08:20:00Z');
    await this.act('globex', 'PG1', 'resolve', '2026-02-20T10:00:00Z');

    // March.
    await this.open('acme', 'A1', '2026-03-02T10:00:00Z', {
      severity: 'critical',
      service: 'web',
      title: 'Web shop unreachable',
      detectS: 120,
    });
    await this.act('acme', 'A1', 'acknowledge', '2026-03-02T10:10:00Z');
    await this.update('acme', 'A1', '2026-03-02T10:20:00Z', 'The web shop is down; we have found the cause.');
    await this.internal('acme', 'A1', '2026-03-02T10:30:00Z', 'lb01 config rolled back');
    await this.update('acme', 'A1', '2026-03-02T11:15:00Z', 'A fix is deployed; we are watching.', 'monitoring');
    await this.act('acme', 'A1', 'resolve', '2026-03-02T12:00:00Z');

    await this.open('acme', 'A2', '2026-03-05T14:00:00Z', {
      severity: 'critical',
      service: 'mail',
      title: 'Mail delivery stalled',
    });
    await this.act('acme', 'A2', 'acknowledge', '2026-03-05T14:25:00Z');
    await this.update('acme', 'A2', '2026-03-05T14:50:00Z', 'Outgoing mail is queued; investigating.', 'investigating');
    await this.update('acme', 'A2', '2026-03-05T15:40:00Z', 'The relay certificate expired; renewing.');
    await this.act('acme', 'A2', 'resolve', '2026-03-05T19:00:00Z');

    await this.open('globex', 'G1', '2026-03-08T04:00:00Z', {
      severity: 'critical',
      service: 'api',
      title: 'API down',
      detectS: 30,
    });
    await this.act('globex', 'G1', 'acknowledge', '2026-03-08T04:08:00Z');
    for (const t of ['04:10', '04:35', '05:05', '05:30', '06:00', '06:25', '06:50', '07:15']) {
      await this.update('globex', 'G1', `2026-03-08T${t}:00Z`, `Update at ${t} UTC: database failover in progress.`);
    }
    await this.act('globex', 'G1', 'resolve', '2026-03-08T07:30:00Z');

    await this.open('acme', 'A7', '2026-03-10T12:00:00Z', {
      severity: 'critical',
      service: 'mail',
      title: 'Mail server rebooted',
      detectS: 60,
    });
    await this.alertResolves('A7', '2026-03-10T12:10:00Z');

    await this.open('globex', 'G2', '2026-03-12T15:00:00Z', {
      severity: 'high',
      service: 'api',
      title: 'API latency high',
      detectS: 90,
    });
    await this.act('globex', 'G2', 'acknowledge', '2026-03-12T15:45:00Z');
    await this.alertResolves('G2', '2026-03-12T17:00:00Z');

    await this.open('acme', 'A3', '2026-03-14T21:30:00Z', {
      severity: 'critical',
      service: 'web',
      title: 'Web shop down during upgrade',
      detectS: 300,
    });
    await this.pagesAt('acme', 'A3', '2026-03-15T01:00:00Z');
    await this.act('acme', 'A3', 'acknowledge', '2026-03-15T01:10:00Z');
    await this.update('acme', 'A3', '2026-03-15T01:20:00Z', 'The upgrade overran; restoring the shop.');
    await this.act('acme', 'A3', 'resolve', '2026-03-15T02:00:00Z');

    await this.open('globex', 'G3', '2026-03-18T02:00:00Z', {
      severity: 'warning',
      service: 'batch',
      title: 'Nightly batch slow',
    });
    await this.alertResolves('G3', '2026-03-18T05:00:00Z');

    await this.open('acme', 'A4', '2026-03-18T16:00:00Z', {
      severity: 'warning',
      service: 'db',
      title: 'Database disk 85% full',
      detectS: 60,
    });
    await this.act('acme', 'A4', 'acknowledge', '2026-03-20T09:30:00Z');
    await this.act('acme', 'A4', 'resolve', '2026-03-20T16:00:00Z');

    await this.open('globex', 'G4', '2026-03-23T13:00:00Z', {
      severity: 'critical',
      service: 'api',
      title: 'API returns 500',
    });
    await this.act('globex', 'G4', 'acknowledge', '2026-03-23T13:05:00Z');
    await this.update('globex', 'G4', '2026-03-23T13:40:00Z', 'A bad deploy; rolling back.');
    await this.update('globex', 'G4', '2026-03-23T14:05:00Z', 'Rolled back; error rate falling.', 'monitoring');
    await this.act('globex', 'G4', 'resolve', '2026-03-23T14:30:00Z');

    await this.open('acme', 'A8', '2026-03-24T19:00:00Z', {
      severity: 'high',
      service: 'vpn',
      title: 'VPN gateway flapping',
      detectS: 120,
    });
    await this.pagesAt('acme', 'A8', '2026-03-25T07:00:00Z');
    await this.act('acme', 'A8', 'acknowledge', '2026-03-25T07:20:00Z');
    await this.update('acme', 'A8', '2026-03-25T10:00:00Z', 'Remote access is unstable; a replacement is on its way.');
    await this.act('acme', 'A8', 'resolve', '2026-03-25T11:00:00Z');

    await this.open('acme', 'A5', '2026-03-27T16:30:00Z', {
      severity: 'high',
      service: 'erp',
      title: 'ERP batch failing',
    });
    await this.update('acme', 'A5', '2026-03-27T17:10:00Z', 'ERP exports fail; we will continue on Monday.');
    await this.act('acme', 'A5', 'acknowledge', '2026-03-30T07:00:00Z');
    await this.act('acme', 'A5', 'resolve', '2026-03-30T09:00:00Z');

    await this.open('acme', 'A6', '2026-03-31T22:00:00Z', {
      severity: 'critical',
      service: 'web',
      title: 'Web shop checkout errors',
      detectS: 300,
    });
    await this.update(
      'acme',
      'A6',
      '2026-03-31T22:20:00Z',
      'Checkout fails for some customers; investigating.',
      'investigating',
    );
    this.setNow(ms(MONTH.to));
  }
}
