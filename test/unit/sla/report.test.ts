import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Incident } from '../../../router/incidents/model.ts';
import { Metrics } from '../../../router/metrics.ts';
import { renderPostmortem } from '../../../router/sla/postmortem.ts';
import { reportCsv, slaReport, stat } from '../../../router/sla/report.ts';
import { reportHtml } from '../../../router/sla/report-html.ts';
import { ResponseTimeObserver } from '../../../router/sla/response-metrics.ts';
import { at, incident, level } from './fixtures.ts';

// Current period 2026-03-01 .. 03-08 (UTC), report generated at its end; previous period 02-22 .. 03-01.
// Targets (24x7): critical respond 15m / resolve 4h, high 30m / 8h. Offsets in seconds from the opening.
const incidents: Incident[] = [
  incident('i1', 'critical', '2026-03-02T10:00:00Z', { detect: 60, ack: 600, resolve: 3600 }),
  incident('i2', 'critical', '2026-03-03T10:00:00Z', { detect: 120, ack: 1200, resolve: 7200 }), // respond +300
  incident('i3', 'high', '2026-03-04T10:00:00Z', { detect: 30, ack: 900, resolve: 36000 }), // resolve +7200
  incident('i4', 'high', '2026-03-05T10:00:00Z', { detect: 300, ack: 1800, resolve: 7200 }), // met, met
  incident('i5', 'high', '2026-03-07T19:00:00Z', { detect: 600, ack: 1800 }), // met, resolve pending
  incident('i6', 'high', '2026-03-07T20:00:00Z'), // unacknowledged at the end: respond breach ongoing, +3h30
  // Not counted: another tenant, the previous period (below), and one opened exactly at `to`.
  incident('g1', 'critical', '2026-03-02T10:00:00Z', { ack: 6000, tenant: 'globex' }),
  incident('late', 'critical', '2026-03-08T00:00:00Z'),
  incident('p1', 'critical', '2026-02-25T10:00:00Z', { detect: 60, ack: 300, resolve: 1800 }),
];
const report = () =>
  slaReport({
    tenant: 'acme',
    displayName: 'Acme <GmbH>',
    level,
    incidents,
    from: at('2026-03-01T00:00:00Z'),
    to: at('2026-03-08T00:00:00Z'),
    now: at('2026-03-08T00:00:00Z'),
  });

describe('SLA report', () => {
  it('p90 is the nearest rank', () => {
    assert.deepEqual(stat([]), { count: 0, meanSeconds: null, p90Seconds: null });
    assert.deepEqual(stat([1000]), { count: 1, meanSeconds: 1, p90Seconds: 1 });
    assert.equal(stat([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * 1000)).p90Seconds, 9);
    assert.equal(stat([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((s) => s * 1000)).p90Seconds, 10);
  });

  it('computes the figures of a period by hand-computed expectations', () => {
    const r = report();
    const c = r.current;
    assert.equal(c.incidents, 6);
    assert.deepEqual(c.bySeverity, { critical: 2, high: 4, warning: 0, info: 0 });
    // Acknowledged i1..i5: 600, 1200, 900, 1800, 1800 → mean 1260, p90 (5th of 5) 1800.
    assert.deepEqual(c.mtta, { count: 5, meanSeconds: 1260, p90Seconds: 1800 });
    // Resolved i1..i4: 3600, 7200, 36000, 7200 → mean 13500, p90 (4th of 4) 36000.
    assert.deepEqual(c.mttr, { count: 4, meanSeconds: 13500, p90Seconds: 36000 });
    // Detection of all six: 60, 120, 30, 300, 600, 0 → mean 185, p90 (6th of 6) 600.
    assert.deepEqual(c.mttd, { count: 6, meanSeconds: 185, p90Seconds: 600 });
    // Respond: met i1 i3 i4 i5, breached i2 i6. Resolve: met i1 i2 i4, breached i3, pending i5 i6.
    assert.deepEqual(c.respondWithinTarget, { met: 4, breached: 2, pending: 0, percent: 66.7 });
    assert.deepEqual(c.resolveWithinTarget, { met: 3, breached: 1, pending: 2, percent: 75 });
    assert.deepEqual(
      c.breaches.map((b) => [b.kind, b.incidentId, b.overrunSeconds, b.ongoing, b.deadline]),
      [
        ['respond', 'i2', 300, false, '2026-03-03T10:15:00.000Z'],
        ['resolve', 'i3', 7200, false, '2026-03-04T18:00:00.000Z'],
        ['respond', 'i6', 12600, true, '2026-03-07T20:30:00.000Z'],
      ],
    );
    assert.deepEqual(
      r.incidents.map((i) => i.id),
      ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'],
    );
  });

  it('compares with the previous period of equal length', () => {
    const r = report();
    assert.equal(r.previous.from, '2026-02-22T00:00:00.000Z');
    assert.equal(r.previous.incidents, 1);
    assert.deepEqual(r.previous.mtta, { count: 1, meanSeconds: 300, p90Seconds: 300 });
    assert.equal(r.previous.respondWithinTarget.percent, 100);
    assert.deepEqual(r.change, {
      incidents: 5,
      mttaMeanSeconds: 960,
      mttaP90Seconds: 1500,
      mttrMeanSeconds: 11700,
      mttrP90Seconds: 34200,
      mttdMeanSeconds: 125,
      mttdP90Seconds: 540,
      respondWithinTargetPercent: -33.3,
      resolveWithinTargetPercent: -25,
      updatesOnTimePercent: null,
      breaches: 3,
      breachesByKind: { respond: 2, resolve: 1, update: 0 },
      uptimePercent: {},
    });
  });

  it('CSV: one row per incident, then the summary', () => {
    const lines = reportCsv(report()).split('\r\n');
    assert.match(
      lines[0] as string,
      /^"id","severity","title","status","openedAt",.*,"respondOverrunSeconds","resolveOverrunSeconds","pagingSince","updates","customerUpdates","updateBreaches","components"$/,
    );
    assert.match(
      lines[2] as string,
      /^"i2","critical","Incident i2","resolved","2026-03-03T10:00:00.000Z",.*,"breached","met",300,,"2026-03-03T10:00:00.000Z","no_target",0,0,""$/,
    );
    assert.equal(lines[7], '');
    assert.equal(lines[8], '"metric","current","previous","change"');
    assert.ok(lines.includes('"mtta_mean_seconds",1260,300,960'));
    assert.ok(lines.includes('"respond_within_target_percent",66.7,100,-33.3'));
    assert.ok(lines.includes('"breaches",3,0,3'));
  });

  it('HTML: executive summary before the detail, inline SVG, escaped, no external references', () => {
    const html = reportHtml(report());
    assert.ok(html.indexOf('Executive summary') < html.indexOf('Technical detail'));
    assert.match(html, /<svg [^>]*role="img"/);
    assert.match(html, /Acme &lt;GmbH&gt;/);
    assert.doesNotMatch(html, /<GmbH>/);
    assert.doesNotMatch(html, /(src|href)=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    assert.match(html, /66\.7%/);
    assert.match(html, /3h 30m \(ongoing\)/);
  });
});

describe('time to acknowledge / resolve histograms', () => {
  it('observes once per incident, by the change that set the time, on the SLA clock', async () => {
    const m = new Metrics();
    const o = new ResponseTimeObserver(m, () => level);
    const opened = incident('h1', 'critical', '2026-03-02T10:00:00Z');
    const acked = incident('h1', 'critical', '2026-03-02T10:00:00Z', { ack: 600 });
    const resolved = { ...incident('h1', 'critical', '2026-03-02T10:00:00Z', { ack: 600, resolve: 3600 }) };
    for (const i of [opened, acked, acked, resolved, resolved]) o.observe(i);
    // A business-hours warning acknowledged Monday 09:00 after opening Friday 17:30: 1h30 of business time.
    o.observe(
      incident('h2', 'warning', '2026-03-06T17:30+01:00', {
        ack: (at('2026-03-09T09:00+01:00') - at('2026-03-06T17:30+01:00')) / 1000,
      }),
    );
    const text = await m.registry.metrics();
    assert.match(text, /switchboard_time_to_acknowledge_seconds_count\{tenant="acme",severity="critical"\} 1\n/);
    assert.match(text, /switchboard_time_to_acknowledge_seconds_sum\{tenant="acme",severity="critical"\} 600\n/);
    assert.match(text, /switchboard_time_to_resolve_seconds_sum\{tenant="acme",severity="critical"\} 3600\n/);
    assert.match(text, /switchboard_time_to_resolve_seconds_count\{tenant="acme",severity="critical"\} 1\n/);
    assert.match(text, /switchboard_time_to_acknowledge_seconds_sum\{tenant="acme",severity="warning"\} 5400\n/);
  });
});

describe('postmortem draft', () => {
  it('renders summary, impact with the SLA outcome, the timeline and headings to fill, blamelessly', () => {
    const i = {
      ...incident('c1', 'critical', '2026-03-07T02:00:00Z', { detect: 120, ack: 1200, resolve: 7200 }),
      title: 'DB | down',
    };
    const md = renderPostmortem({
      incident: i,
      tenantName: 'Acme GmbH',
      level,
      alertCount: 2,
      now: at('2026-03-08T00:00:00Z'),
      timeline: [
        {
          type: 'incident.acknowledged',
          at: '2026-03-07T02:20:00.000Z',
          tenant: 'acme',
          incidentId: 'c1',
          by: 'alice',
        },
        {
          type: 'incident.opened',
          at: '2026-03-07T02:00:00.000Z',
          tenant: 'acme',
          incidentId: 'c1',
          severity: 'critical',
          summary: 'DB down',
        },
        {
          type: 'alert.firing',
          at: '2026-03-07T02:00:00.000Z',
          tenant: 'acme',
          incidentId: 'c1',
          summary: 'DB down',
          source: 'generic',
        },
        {
          type: 'notification.sent',
          at: '2026-03-07T02:01:00.000Z',
          tenant: 'acme',
          incidentId: 'c1',
          key: 'k',
          repeat: 0,
          step: 0,
          target: 'responder/msp/alice',
          rule: 'email@0',
          destination: 'email',
        },
        {
          type: 'incident.note',
          at: '2026-03-07T02:30:00.000Z',
          tenant: 'acme',
          incidentId: 'c1',
          by: 'alice',
          text: 'line1\nline2',
          visibility: 'customer',
          publicStatus: 'identified',
        },
        { type: 'incident.resolved', at: '2026-03-07T04:00:00.000Z', tenant: 'acme', incidentId: 'c1', by: 'alice' },
      ],
    });
    assert.match(md, /^# Postmortem \(draft\): DB \\\| down/);
    assert.match(md, /blameless/);
    assert.match(md, /\| Duration \| 2h 00m \|/);
    assert.match(md, /\| Tenant \| Acme GmbH \(acme\) \|/);
    assert.match(md, /\| SLA respond target \| missed \(due 2026-03-07T02:15:00.000Z, over by 5m 00s\) \|/);
    assert.match(md, /\| SLA resolve target \| met \(due 2026-03-07T06:00:00.000Z\) \|/);
    const rows = md.split('\n').filter((l) => /^\| 2026-03-07T/.test(l));
    assert.deepEqual(rows, [
      '| 2026-03-07T02:00:00.000Z | Incident opened (critical): DB down |',
      '| 2026-03-07T02:00:00.000Z | Alert firing: "DB down" (generic) |',
      '| 2026-03-07T02:01:00.000Z | Notified alice via email (escalation step 1) |',
      '| 2026-03-07T02:20:00.000Z | Acknowledged by alice |',
      '| 2026-03-07T02:30:00.000Z | Customer update [identified] by alice: line1 line2 |',
      '| 2026-03-07T04:00:00.000Z | Resolved by alice |',
    ]);
    assert.match(md, /## Contributing factors/);
    assert.match(md, /## Action items/);
    assert.doesNotMatch(md, /fault of|blame (alice|them)|human error/i);
  });
});
