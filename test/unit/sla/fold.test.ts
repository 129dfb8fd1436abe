// Incidents folded from the audit trail: every field the report needs, in any event order; and the report
// computed from them with customer updates and uptime.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceLevelConfig } from '../../../router/config/compiled.ts';
import { parseMatcher } from '../../../router/config/matchers.ts';
import type { IncidentEvent } from '../../../router/incidents/model.ts';
import { foldIncidents, IncidentFold } from '../../../router/sla/fold.ts';
import { reportCsv, slaReport } from '../../../router/sla/report.ts';
import { reportHtml } from '../../../router/sla/report-html.ts';
import type { Component } from '../../../router/sla/uptime.ts';
import { at, iso, level, MIN } from './fixtures.ts';

const components: Component[] = [
  { name: 'web', displayName: 'Web shop', matchers: [parseMatcher('service="web"')] },
  { name: 'mail', displayName: 'Mail', matchers: [parseMatcher('service="mail"')] },
];
const ev = (type: IncidentEvent['type'], incidentId: string, atIso: string, extra: Partial<IncidentEvent> = {}) =>
  ({ type, at: atIso, tenant: 'acme', incidentId, ...extra }) as IncidentEvent;
const firing = (
  id: string,
  atIso: string,
  fp: string,
  service: string,
  severity: IncidentEvent['severity'],
  startsAt = atIso,
) => ev('alert.firing', id, atIso, { fingerprint: fp, severity, labels: { service }, changedAt: startsAt });

const T = '2026-03-02T10:00:00.000Z';
const plus = (m: number) => iso(at(T) + m * MIN);

const events: IncidentEvent[] = [
  // a: warning on web, raised to critical by a second alert; detected 5 min before; ack'd, resolved.
  ev('incident.opened', 'a', T, { severity: 'warning', summary: 'Web slow' }),
  firing('a', T, 'a1', 'web', 'warning', plus(-5)),
  firing('a', plus(2), 'a2', 'web', 'critical'),
  ev('incident.severity_changed', 'a', plus(2), { severity: 'critical', previousSeverity: 'warning' }),
  ev('incident.note', 'a', plus(10), { visibility: 'customer', text: 'Looking', noteId: 'n1' }),
  ev('incident.note', 'a', plus(12), { visibility: 'internal', text: 'root pw', noteId: 'n2' }),
  ev('incident.acknowledged', 'a', plus(20), { by: 'alice' }),
  ev('alert.resolved', 'a', plus(50), { fingerprint: 'a2' }),
  // A restated resolution (same time) and a notification: nothing changes.
  ev('incident.resolved', 'a', plus(60), { by: 'all alerts resolved' }),
  ev('incident.resolved', 'a', plus(60), { by: 'all alerts resolved' }),
  ev('notification.sent', 'a', plus(1)),
  // b: opened muted (maintenance), pages 30 min later; mail critical still firing; a resolved web one.
  ev('incident.opened', 'b', plus(5), { severity: 'critical', summary: 'Mail down', paging: false }),
  firing('b', plus(5), 'b1', 'mail', 'critical'),
  firing('b', plus(6), 'b2', 'web', 'high'),
  ev('alert.resolved', 'b', plus(7), { fingerprint: 'b2' }),
  ev('incident.paging', 'b', plus(35)),
  // c: opened muted, never paged.
  ev('incident.opened', 'c', plus(8), { severity: 'high', summary: 'Quiet', paging: false }),
  // d: only a resolution seen (opened before what was read): partial.
  ev('incident.resolved', 'd', plus(9)),
  // Another tenant.
  { ...ev('incident.opened', 'x', T, { severity: 'critical' }), tenant: 'globex' },
];

describe('incidents folded from the events', () => {
  it('times, severity, paging, customer notes, components', () => {
    const byId = Object.fromEntries(foldIncidents('acme', events, components).map((i) => [i.id, i]));
    assert.deepEqual(Object.keys(byId), ['a', 'b', 'c']);
    assert.deepEqual(byId['a'], {
      id: 'a',
      tenant: 'acme',
      title: 'Web slow',
      severity: 'critical',
      status: 'resolved',
      openedAt: T,
      startsAt: plus(-5),
      acknowledgedAt: plus(20),
      resolvedAt: plus(60),
      pagingSince: T,
      customerNotes: [at(plus(10))],
      componentsDown: ['web'],
    });
    assert.equal(byId['b']?.pagingSince, plus(35));
    assert.equal(byId['b']?.status, 'triggered');
    // Open: only the alert still firing counts.
    assert.deepEqual(byId['b']?.componentsDown, ['mail']);
    assert.equal(byId['c']?.pagingSince, null);
  });

  it('the same in any order; partial incidents are named', () => {
    const shuffled = [...events].reverse();
    assert.deepEqual(foldIncidents('acme', shuffled, components), foldIncidents('acme', events, components));
    const f = new IncidentFold('acme', components);
    for (const e of events) f.add(e);
    assert.deepEqual(f.partial(), ['d']);
    f.reset('d');
    assert.equal(f.has('d'), false);
  });
});

describe('report with customer updates and uptime', () => {
  // Critical: first update within 15 min, then every 30 min; uptime target 99.9 %.
  const gold: ServiceLevelConfig = {
    ...level,
    targets: {
      ...level.targets,
      critical: {
        ...(level.targets.critical as NonNullable<ServiceLevelConfig['targets']['critical']>),
        firstUpdateMs: 15 * MIN,
        updateEveryMs: 30 * MIN,
      },
    },
  };
  const from = at('2026-03-02T00:00:00Z');
  const to = at('2026-03-03T00:00:00Z');
  const report = (now = to) =>
    slaReport({
      tenant: 'acme',
      displayName: 'Acme',
      level: gold,
      incidents: foldIncidents('acme', events, components),
      components,
      maintenance: [
        // 10:05–10:35 on mail: b's muted start, excluded.
        {
          key: 'w',
          name: 'w',
          tenant: 'acme',
          matchers: [parseMatcher('service="mail"')],
          oneOff: { start: at(plus(5)), end: at(plus(35)) },
          recurrence: null,
          comment: '',
        },
      ],
      from,
      to,
      now,
    });

  it('update breaches, updates on time, uptime per component', () => {
    const r = report();
    const c = r.current;
    // a: first update due 10:15, given 10:10 (met); next due 10:40, none until the resolution at 11:00: +20 min.
    // b: cadence from 10:35 (paging); first due 10:50, never given: ongoing to the end of the day, 13h10m.
    assert.deepEqual(
      c.breaches
        .filter((b) => b.kind === 'update')
        .map((b) => [b.incidentId, b.updateNumber, b.deadline, b.overrunSeconds, b.ongoing]),
      [
        ['a', 2, plus(40), 20 * 60, false],
        ['b', 1, plus(50), 13 * 3600 + 10 * 60, true],
      ],
    );
    assert.deepEqual(c.updatesOnTime, { met: 0, breached: 2, pending: 0, notDue: 0, percent: 0 });
    assert.deepEqual(c.breachesByKind, { respond: 2, resolve: 1, update: 2 });
    assert.deepEqual(
      r.incidents.map((i) => [i.id, i.updates, i.respond]),
      [
        ['a', 'breached', 'breached'],
        ['b', 'breached', 'breached'],
        ['c', 'no_target', 'exempt'],
      ],
    );
    // web: a from 10:00 to 11:00 (b's web alert resolved while b is open: not down now). mail: b from 10:05 to
    // the end of the day, less the window 10:05–10:35.
    const web = c.uptime.find((u) => u.name === 'web');
    assert.deepEqual(web, {
      name: 'web',
      displayName: 'Web shop',
      uptimePercent: Math.round(100_000 * (1 - 1 / 24)) / 1000,
      target: 99.9,
      met: false,
      downtimeSeconds: 3600,
      maintenanceSeconds: 0,
      measuredSeconds: 86400,
      incidents: ['a'],
    });
    const mail = c.uptime.find((u) => u.name === 'mail');
    assert.equal(mail?.downtimeSeconds, 13 * 3600 + 25 * 60);
    assert.equal(mail?.maintenanceSeconds, 1800);
    assert.equal(mail?.measuredSeconds, 86400 - 1800);
    assert.deepEqual(
      r.previous.uptime.map((u) => u.uptimePercent),
      [100, 100],
    );
    assert.deepEqual(r.change.uptimePercent, { web: -4.167, mail: round3(mail?.uptimePercent) });
    // Up to now only, in a period still running.
    const mid = report(at(plus(120)));
    assert.equal(mid.current.uptime[0]?.measuredSeconds, 12 * 3600);
  });

  it('CSV and HTML carry them', () => {
    const r = report();
    const csv = reportCsv(r);
    assert.ok(csv.includes('\r\n"update","a","critical","Web slow","2026-03-02T10:40:00.000Z",1200,false,2\r\n'));
    assert.ok(csv.includes('\r\n"uptime_percent_web",95.833,100,-4.167\r\n'));
    assert.ok(csv.includes('\r\n"breaches_update",2,0,2\r\n'));
    const html = reportHtml(r);
    assert.match(html, /Customer updates on time/);
    assert.match(html, /update #2/);
    assert.match(html, /aria-label="Uptime per component"/);
    assert.match(html, /class="light red"/);
  });
});

function round3(v: number | null | undefined): number {
  return Math.round(((v ?? 0) - 100) * 1000) / 1000;
}
