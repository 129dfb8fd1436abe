// A month of incidents for two tenants on a real nats-server with a controllable clock (test/harness/sla-month.ts
// tells the story): every figure of the SLA report of March 2026, computed by hand below, then CSV and HTML,
// then the same report after a restart of the router (it is computed from the events stream, not the cache).
//
// Periods: March 2026 in UTC, [03-01, 04-01) = 744 h = 2 678 400 s; the previous period is as long and ends on
// 03-01. The report is taken at 04-01 00:00Z. Times below are UTC unless they say otherwise; Berlin is UTC+1
// until 29 March 01:00Z, then UTC+2; New York UTC-5 until 8 March 07:00Z, then UTC-4.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { ADMIN_TOKEN, api, copyConfig, startTestRouter } from '../harness/router.ts';
import { MONTH, MonthDriver } from '../harness/sla-month.ts';
import { ROOT } from '../harness/tools.ts';

let now = Date.parse('2026-02-01T00:00:00Z');
let nats: NatsServer;
let router: RunningRouter;
const configDir = copyConfig(`${ROOT}/test/fixtures/sla-month`);
const driver = new MonthDriver(
  () => router.url,
  (ms) => {
    now = ms;
  },
);

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { configDir, clock: () => now });
  await driver.run();
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const query = (tenant: string, format = 'json') =>
  `/api/v1/reports/sla?tenant=${tenant}&from=${MONTH.from}&to=${MONTH.to}&format=${format}`;

/** The report with incident ids replaced by their scenario names (A1, G3, ...). */
async function named(tenant: string) {
  const r = await api(router.url, ADMIN_TOKEN).get(query(tenant));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  let text = JSON.stringify(r.body);
  for (const [name, id] of Object.entries(driver.ids)) text = text.replaceAll(id, name);
  return JSON.parse(text);
}

const stat = (count: number, meanSeconds: number | null, p90Seconds: number | null) => ({
  count,
  meanSeconds,
  p90Seconds,
});
const within = (met: number, breached: number, pending: number, percent: number | null) => ({
  met,
  breached,
  pending,
  percent,
});
const updates = (met: number, breached: number, pending: number, notDue: number, percent: number | null) => ({
  ...within(met, breached, pending, percent),
  notDue,
});
const none = { ...within(0, 0, 0, null) };
const noUpdates = updates(0, 0, 0, 0, null);
const breach = (
  kind: string,
  incidentId: string,
  severity: string,
  title: string,
  deadline: string,
  overrunSeconds: number,
  ongoing = false,
  updateNumber?: number,
) => ({
  kind,
  incidentId,
  deadline,
  ongoing,
  severity,
  title,
  overrunSeconds,
  ...(updateNumber ? { updateNumber } : {}),
});
const severity = (
  incidents: number,
  coverage: string | null,
  respond: number | null,
  resolve: number | null,
  mtta: ReturnType<typeof stat>,
  mttr: ReturnType<typeof stat>,
  r: ReturnType<typeof within>,
  s: ReturnType<typeof within>,
  u: ReturnType<typeof updates>,
) => ({
  incidents,
  coverage,
  respondTargetSeconds: respond,
  resolveTargetSeconds: resolve,
  mtta,
  mttr,
  respondWithinTarget: r,
  resolveWithinTarget: s,
  updatesOnTime: u,
});
const MONTH_S = 744 * 3600;
const pct = (downS: number, measuredS: number) => Math.round(100_000 * (1 - downS / measuredS)) / 1000;

describe('a month of incidents: the SLA report by hand', () => {
  it('acme (business hours, holiday, DST, maintenance, customer updates)', async () => {
    const r = await named('acme');
    const c = r.current;
    assert.equal(r.serviceLevel, 'test/business');
    assert.equal(r.uptimeTarget, 99);
    assert.equal(r.generatedAt, MONTH.to);
    assert.equal(c.from, MONTH.from);
    assert.equal(c.to, MONTH.to);
    assert.equal(c.incidents, 8);
    assert.deepEqual(c.bySeverity, { critical: 5, high: 2, warning: 1, info: 0 });

    // Response on each target's clock (acknowledged only): A1 600, A2 1500, A3 600 (from 01:00Z, when it began
    // paging), A4 12600 (Wed 17:00-18:00 Berlin + Fri 08:00-10:30: the holiday in between does not count),
    // A8 1200 (from Wed 08:00 Berlin), A5 5400 (Fri 17:30-18:00 CET + Mon 08:00-09:00 CEST).
    // 21900 / 6 = 3650; p90 = 6th of 6 = 12600.
    assert.deepEqual(c.mtta, stat(6, 3650, 12600));
    // Resolution: A1 7200, A2 18000, A7 600, A3 3600, A4 36000 (1 h Wed + 9 h Fri), A8 14400, A5 12600
    // (30 min Fri + 3 h Mon). 92400 / 7 = 13200; p90 = 7th of 7 = 36000.
    assert.deepEqual(c.mttr, stat(7, 13200, 36000));
    // Detection: A1 120, A2 0, A7 60, A3 300 (24x7), A4 60, A8 0 (18:58Z-19:00Z is outside business hours),
    // A5 0, A6 300. 840 / 8 = 105; p90 = 8th of 8 = 300.
    assert.deepEqual(c.mttd, stat(8, 105, 300));
    // Respond: A2 (+10 min), A5 (+30 min of business time) and A6 (unacknowledged, +1h45m at the report) missed;
    // A7 resolved by itself within 15 min: met. 5 / 8.
    assert.deepEqual(c.respondWithinTarget, within(5, 3, 0, 62.5));
    // Resolve: A2 missed (+1 h), A6 pending (2 h of 4). 6 / 7.
    assert.deepEqual(c.resolveWithinTarget, within(6, 1, 1, 85.7));
    // Updates: A1, A3, A5 on time; A2, A8, A6 late; A7 resolved before its first update was due; A4 (warning)
    // has no cadence. 3 / 6.
    assert.deepEqual(c.updatesOnTime, updates(3, 3, 0, 1, 50));
    assert.deepEqual(c.breaches, [
      breach('respond', 'A2', 'critical', 'Mail delivery stalled', '2026-03-05T14:15:00.000Z', 600),
      breach('resolve', 'A2', 'critical', 'Mail delivery stalled', '2026-03-05T18:00:00.000Z', 3600),
      // First update due 14:30, given 14:50; the next due 15:50 came early (15:40), so the one after was due
      // 16:40 and none came before the resolution at 19:00.
      breach('update', 'A2', 'critical', 'Mail delivery stalled', '2026-03-05T14:30:00.000Z', 1200, false, 1),
      breach('update', 'A2', 'critical', 'Mail delivery stalled', '2026-03-05T16:40:00.000Z', 8400, false, 2),
      // Paging from Wed 07:00Z (business hours began), first update due an hour later, given at 10:00Z.
      breach('update', 'A8', 'high', 'VPN gateway flapping', '2026-03-25T08:00:00.000Z', 7200, false, 1),
      // Due Mon 08:30 CEST (30 min on Friday, 30 min on Monday), acknowledged 09:00 CEST.
      breach('respond', 'A5', 'high', 'ERP batch failing', '2026-03-30T06:30:00.000Z', 1800),
      breach('respond', 'A6', 'critical', 'Web shop checkout errors', '2026-03-31T22:15:00.000Z', 6300, true),
      breach('update', 'A6', 'critical', 'Web shop checkout errors', '2026-03-31T23:20:00.000Z', 2400, true, 2),
    ]);
    assert.deepEqual(c.breachesByKind, { respond: 3, resolve: 1, update: 4 });
    assert.deepEqual(c.severities, {
      critical: severity(
        5,
        '24x7',
        900,
        14400,
        stat(3, 900, 1500),
        stat(4, 7350, 18000),
        within(3, 2, 0, 60),
        within(3, 1, 1, 75),
        updates(2, 2, 0, 1, 50),
      ),
      high: severity(
        2,
        'businessHours',
        3600,
        28800,
        stat(2, 3300, 5400),
        stat(2, 13500, 14400),
        within(1, 1, 0, 50),
        within(2, 0, 0, 100),
        updates(1, 1, 0, 0, 50),
      ),
      warning: severity(
        1,
        'businessHours',
        14400,
        172800,
        stat(1, 12600, 12600),
        stat(1, 36000, 36000),
        within(1, 0, 0, 100),
        within(1, 0, 0, 100),
        noUpdates,
      ),
      info: severity(0, null, null, null, stat(0, null, null), stat(0, null, null), none, none, noUpdates),
    });
    // Uptime. web: A1 2 h, A3 21:30Z-02:00Z less the window 21:00Z-01:00Z = 1 h, A6 2 h (open): 18000 s over
    // the month less the 4 h window. mail: A2 5 h + A7 10 min = 18600 s (A5's erp and A8's vpn are no component).
    assert.deepEqual(c.uptime, [
      {
        name: 'web',
        displayName: 'Web Shop',
        uptimePercent: pct(18000, MONTH_S - 14400),
        target: 99,
        met: true,
        downtimeSeconds: 18000,
        maintenanceSeconds: 14400,
        measuredSeconds: MONTH_S - 14400,
        incidents: ['A1', 'A3', 'A6'],
      },
      {
        name: 'mail',
        displayName: 'Mail',
        uptimePercent: pct(18600, MONTH_S),
        target: 99,
        met: true,
        downtimeSeconds: 18600,
        maintenanceSeconds: 0,
        measuredSeconds: MONTH_S,
        incidents: ['A2', 'A7'],
      },
    ]);
    assert.deepEqual(
      c.uptime.map((u: { uptimePercent: number }) => u.uptimePercent),
      [99.324, 99.306],
    );

    // Previous period: P1 only (ack 5 min, resolved 1 h, first update on time; web down 1 h).
    const p = r.previous;
    assert.equal(p.from, '2026-01-29T00:00:00.000Z');
    assert.equal(p.incidents, 1);
    assert.deepEqual(p.mtta, stat(1, 300, 300));
    assert.deepEqual(p.mttr, stat(1, 3600, 3600));
    assert.deepEqual(p.mttd, stat(1, 60, 60));
    assert.deepEqual(p.respondWithinTarget, within(1, 0, 0, 100));
    assert.deepEqual(p.resolveWithinTarget, within(1, 0, 0, 100));
    assert.deepEqual(p.updatesOnTime, updates(1, 0, 0, 0, 100));
    assert.deepEqual(p.breaches, []);
    assert.deepEqual(
      p.uptime.map((u: { name: string; uptimePercent: number }) => [u.name, u.uptimePercent]),
      [
        ['web', 99.866],
        ['mail', 100],
      ],
    );
    assert.deepEqual(r.change, {
      incidents: 7,
      mttaMeanSeconds: 3350,
      mttaP90Seconds: 12300,
      mttrMeanSeconds: 9600,
      mttrP90Seconds: 32400,
      mttdMeanSeconds: 45,
      mttdP90Seconds: 240,
      respondWithinTargetPercent: -37.5,
      resolveWithinTargetPercent: -14.3,
      updatesOnTimePercent: -50,
      breaches: 8,
      breachesByKind: { respond: 3, resolve: 1, update: 4 },
      uptimePercent: { web: -0.542, mail: -0.694 },
    });

    // Every incident of the month, in order.
    const rows = r.incidents.map((i: Record<string, unknown>) => [
      i['id'],
      i['status'],
      i['pagingSince'],
      i['respondBy'],
      i['resolveBy'],
      i['respond'],
      i['resolve'],
      i['updates'],
      i['customerUpdates'],
      i['components'],
    ]);
    assert.deepEqual(rows, [
      [
        'A1',
        'resolved',
        '2026-03-02T10:00:00.000Z',
        '2026-03-02T10:15:00.000Z',
        '2026-03-02T14:00:00.000Z',
        'met',
        'met',
        'met',
        2,
        ['web'],
      ],
      [
        'A2',
        'resolved',
        '2026-03-05T14:00:00.000Z',
        '2026-03-05T14:15:00.000Z',
        '2026-03-05T18:00:00.000Z',
        'breached',
        'breached',
        'breached',
        2,
        ['mail'],
      ],
      [
        'A7',
        'resolved',
        '2026-03-10T12:00:00.000Z',
        '2026-03-10T12:15:00.000Z',
        '2026-03-10T16:00:00.000Z',
        'met',
        'met',
        'not_due',
        0,
        ['mail'],
      ],
      // Opened in the maintenance window: the SLA clock starts when it ends.
      [
        'A3',
        'resolved',
        '2026-03-15T01:00:00.000Z',
        '2026-03-15T01:15:00.000Z',
        '2026-03-15T05:00:00.000Z',
        'met',
        'met',
        'met',
        1,
        ['web'],
      ],
      // 4 h of business time: Wed 17:00-18:00 CET, then (Thu 19 a holiday) Fri 08:00-11:00 CET. 2 days
      // (48 h): 1 + 10 (Fri) + 10 (Mon) + 10 (Tue) + 10 (Wed) + 7 (Thu 08:00-15:00 CET).
      [
        'A4',
        'resolved',
        '2026-03-18T16:00:00.000Z',
        '2026-03-20T10:00:00.000Z',
        '2026-03-26T14:00:00.000Z',
        'met',
        'met',
        'no_target',
        0,
        [],
      ],
      [
        'A8',
        'resolved',
        '2026-03-25T07:00:00.000Z',
        '2026-03-25T08:00:00.000Z',
        '2026-03-25T15:00:00.000Z',
        'met',
        'met',
        'breached',
        1,
        [],
      ],
      // Across the DST weekend: 30 min Friday, the rest from Mon 08:00 CEST (06:00Z).
      [
        'A5',
        'resolved',
        '2026-03-27T16:30:00.000Z',
        '2026-03-30T06:30:00.000Z',
        '2026-03-30T13:30:00.000Z',
        'breached',
        'met',
        'met',
        1,
        [],
      ],
      [
        'A6',
        'triggered',
        '2026-03-31T22:00:00.000Z',
        '2026-03-31T22:15:00.000Z',
        '2026-04-01T02:00:00.000Z',
        'breached',
        'pending',
        'breached',
        1,
        ['web'],
      ],
    ]);
    assert.deepEqual(
      r.incidents.map((i: Record<string, unknown>) => [
        i['detectionSeconds'],
        i['responseSeconds'],
        i['resolutionSeconds'],
      ]),
      [
        [120, 600, 7200],
        [0, 1500, 18000],
        [60, null, 600],
        [300, 600, 3600],
        [60, 12600, 36000],
        [0, 1200, 14400],
        [0, 5400, 12600],
        [300, null, null],
      ],
    );
  });

  it('globex (24x7, the US DST night, resolved by itself late)', async () => {
    const r = await named('globex');
    const c = r.current;
    assert.equal(r.serviceLevel, 'test/around-the-clock');
    assert.equal(c.incidents, 4);
    assert.deepEqual(c.bySeverity, { critical: 2, high: 1, warning: 1, info: 0 });
    // G1 480, G2 2700, G4 300 (G3 never acknowledged).
    assert.deepEqual(c.mtta, stat(3, 1160, 2700));
    // G1 12600: 23:00 EST to 03:30 EDT reads 4h30m on the clock but is 3h30m (24x7 is wall time, real hours).
    assert.deepEqual(c.mttr, stat(4, 9000, 12600));
    assert.deepEqual(c.mttd, stat(4, 30, 90));
    // G2 acknowledged after 45 min; G3 resolved by itself after 3 h, nobody having answered within 2 h.
    assert.deepEqual(c.respondWithinTarget, within(2, 2, 0, 50));
    assert.deepEqual(c.resolveWithinTarget, within(3, 1, 0, 75));
    assert.deepEqual(c.updatesOnTime, updates(1, 1, 0, 0, 50));
    assert.deepEqual(c.breaches, [
      breach('resolve', 'G1', 'critical', 'API down', '2026-03-08T06:00:00.000Z', 5400),
      breach('respond', 'G2', 'high', 'API latency high', '2026-03-12T15:30:00.000Z', 900),
      breach('respond', 'G3', 'warning', 'Nightly batch slow', '2026-03-18T04:00:00.000Z', 3600),
      breach('update', 'G4', 'critical', 'API returns 500', '2026-03-23T13:15:00.000Z', 1500, false, 1),
    ]);
    assert.deepEqual(c.breachesByKind, { respond: 2, resolve: 1, update: 1 });
    assert.deepEqual(c.severities, {
      critical: severity(
        2,
        '24x7',
        600,
        7200,
        stat(2, 390, 480),
        stat(2, 9000, 12600),
        within(2, 0, 0, 100),
        within(1, 1, 0, 50),
        updates(1, 1, 0, 0, 50),
      ),
      high: severity(
        1,
        '24x7',
        1800,
        21600,
        stat(1, 2700, 2700),
        stat(1, 7200, 7200),
        within(0, 1, 0, 0),
        within(1, 0, 0, 100),
        noUpdates,
      ),
      warning: severity(
        1,
        '24x7',
        7200,
        86400,
        stat(0, null, null),
        stat(1, 10800, 10800),
        within(0, 1, 0, 0),
        within(1, 0, 0, 100),
        noUpdates,
      ),
      info: severity(0, null, null, null, stat(0, null, null), stat(0, null, null), none, none, noUpdates),
    });
    // api: G1 3h30m + G2 2 h + G4 1h30m = 25200 s; below 99.9 %.
    assert.deepEqual(c.uptime, [
      {
        name: 'api',
        displayName: 'Public API',
        uptimePercent: 99.059,
        target: 99.9,
        met: false,
        downtimeSeconds: 25200,
        maintenanceSeconds: 0,
        measuredSeconds: MONTH_S,
        incidents: ['G1', 'G2', 'G4'],
      },
    ]);
    assert.equal(pct(25200, MONTH_S), 99.059);
    // Previous: PG1 (high, ack 20 min, resolved 2 h; api down 2 h).
    assert.equal(r.previous.incidents, 1);
    assert.deepEqual(r.previous.mtta, stat(1, 1200, 1200));
    assert.deepEqual(r.previous.mttr, stat(1, 7200, 7200));
    assert.deepEqual(r.previous.updatesOnTime, noUpdates);
    assert.equal(r.previous.uptime[0].uptimePercent, pct(7200, MONTH_S));
    assert.deepEqual(r.change, {
      incidents: 3,
      mttaMeanSeconds: -40,
      mttaP90Seconds: 1500,
      mttrMeanSeconds: 1800,
      mttrP90Seconds: 5400,
      mttdMeanSeconds: 30,
      mttdP90Seconds: 90,
      respondWithinTargetPercent: -50,
      resolveWithinTargetPercent: -25,
      updatesOnTimePercent: null,
      breaches: 4,
      breachesByKind: { respond: 2, resolve: 1, update: 1 },
      uptimePercent: { api: -0.672 },
    });
    assert.deepEqual(
      r.incidents.map((i: Record<string, unknown>) => [i['id'], i['respondBy'], i['resolveBy'], i['customerUpdates']]),
      [
        ['G1', '2026-03-08T04:10:00.000Z', '2026-03-08T06:00:00.000Z', 8],
        ['G2', '2026-03-12T15:30:00.000Z', '2026-03-12T21:00:00.000Z', 0],
        ['G3', '2026-03-18T04:00:00.000Z', '2026-03-19T02:00:00.000Z', 0],
        ['G4', '2026-03-23T13:10:00.000Z', '2026-03-23T15:00:00.000Z', 2],
      ],
    );
  });

  let before: Record<string, { json: string; csv: string; html: string }> = {};
  it('CSV and HTML', async () => {
    const admin = api(router.url, ADMIN_TOKEN);
    before = {};
    for (const t of ['acme', 'globex']) {
      const json = (await admin.get(query(t))).body;
      const csv = (await admin.get(query(t, 'csv'))).body as string;
      const html = (await admin.get(query(t, 'html'))).body as string;
      before[t] = { json: JSON.stringify(json), csv, html };
    }
    const csv = before['acme']?.csv.split('\r\n') ?? [];
    assert.equal(csv.filter((l) => /^"[0-9a-z]{19}",/.test(l)).length, 8);
    assert.ok(csv.includes('"respond_within_target_percent",62.5,100,-37.5'));
    assert.ok(csv.includes('"updates_on_time_percent",50,100,-50'));
    assert.ok(csv.includes('"uptime_percent_web",99.324,99.866,-0.542'));
    assert.ok(
      csv.includes(
        `"update","${driver.ids['A8']}","high","VPN gateway flapping","2026-03-25T08:00:00.000Z",7200,false,1`,
      ),
    );
    const html = before['acme']?.html ?? '';
    assert.match(html, /Executive summary[\s\S]*Technical detail/);
    assert.match(html, /62\.5%/);
    assert.match(html, /Below the uptime target|Every component met its uptime target/);
    assert.match(html, /update #2/);
    assert.equal((html.match(/<svg /g) ?? []).length, 4);
    assert.doesNotMatch(html, /(src|href)=/);
    assert.match(before['globex']?.html ?? '', /Public API/);
  });

  it('after a restart of the router: the same report', async () => {
    await router.stop();
    router = await startTestRouter(nats.url, { configDir, clock: () => now });
    const admin = api(router.url, ADMIN_TOKEN);
    for (const t of ['acme', 'globex']) {
      assert.equal(JSON.stringify((await admin.get(query(t))).body), before[t]?.json, `${t} JSON`);
      assert.equal((await admin.get(query(t, 'csv'))).body, before[t]?.csv, `${t} CSV`);
      assert.equal((await admin.get(query(t, 'html'))).body, before[t]?.html, `${t} HTML`);
    }
  });
});
