// Uptime arithmetic shared by the status page and the SLA report: spans, maintenance, percentages, day bars.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceWindowConfig } from '../../../router/config/compiled.ts';
import { parseMatcher } from '../../../router/config/matchers.ts';
import {
  type Component,
  componentsDown,
  dailyBars,
  maintenanceApplies,
  maintenanceSpans,
  mergeSpans,
  subtractSpans,
  uptime,
} from '../../../router/sla/uptime.ts';
import { at, DAY, HOUR } from './fixtures.ts';

const web: Component = { name: 'web', displayName: 'Web', matchers: [parseMatcher('service="web"')] };
const mail: Component = { name: 'mail', displayName: 'Mail', matchers: [parseMatcher('service=~"mail|smtp"')] };
const window = (o: Partial<MaintenanceWindowConfig>): MaintenanceWindowConfig => ({
  key: 'msp/w',
  name: 'w',
  tenant: 'acme',
  matchers: [],
  oneOff: null,
  recurrence: null,
  comment: '',
  ...o,
});

describe('uptime arithmetic', () => {
  it('merges, subtracts', () => {
    assert.deepEqual(
      mergeSpans([
        [5, 7],
        [1, 3],
        [3, 4],
        [6, 9],
        [10, 10],
      ]),
      [
        [1, 4],
        [5, 9],
      ],
    );
    assert.deepEqual(
      subtractSpans(
        [
          [0, 10],
          [20, 30],
        ],
        [
          [2, 3],
          [5, 22],
          [29, 40],
        ],
      ),
      [
        [0, 2],
        [3, 5],
        [22, 29],
      ],
    );
    assert.deepEqual(subtractSpans([[0, 10]], []), [[0, 10]]);
    assert.deepEqual(subtractSpans([[0, 10]], [[0, 10]]), []);
  });

  it('an incident is an outage of the components its critical/high alerts hit (open: still firing)', () => {
    const alerts = [
      { labels: { service: 'web' }, severity: 'critical' as const, firing: false },
      { labels: { service: 'smtp' }, severity: 'warning' as const, firing: true },
    ];
    assert.deepEqual(componentsDown([web, mail], alerts, false), ['web']);
    assert.deepEqual(componentsDown([web, mail], alerts, true), []);
  });

  it('which maintenance windows apply to a component', () => {
    assert.equal(maintenanceApplies(window({}), web), true);
    assert.equal(maintenanceApplies(window({ matchers: [parseMatcher('service="web"')] }), web), true);
    assert.equal(maintenanceApplies(window({ matchers: [parseMatcher('service="db"')] }), web), false);
    // A component selected by a regular expression only: only whole-tenant windows apply.
    assert.equal(maintenanceApplies(window({ matchers: [parseMatcher('service="mail"')] }), mail), false);
  });

  it('maintenance spans: one-off and weekly, DST exact, clipped to the period, other tenants ignored', () => {
    const from = at('2026-03-23T00:00:00Z');
    const to = at('2026-04-06T00:00:00Z');
    const weekly = window({
      // Sundays 02:00–04:00 Berlin: 2 h on 22 March (CET), 1 h on 29 March (02:00 does not exist: 03:00 CEST).
      recurrence: { days: [7], from: 120, to: 240, timezone: 'Europe/Berlin' },
    });
    const oneOff = window({ oneOff: { start: at('2026-03-25T22:00:00Z'), end: at('2026-03-26T01:00:00Z') } });
    const other = window({ tenant: 'globex', oneOff: { start: from, end: to } });
    assert.deepEqual(maintenanceSpans([weekly, oneOff, other], 'acme', web, from, to), [
      [at('2026-03-25T22:00:00Z'), at('2026-03-26T01:00:00Z')],
      [at('2026-03-29T01:00:00Z'), at('2026-03-29T02:00:00Z')],
      [at('2026-04-05T00:00:00Z'), at('2026-04-05T02:00:00Z')],
    ]);
  });

  it('uptime: downtime outside maintenance over the time measured (the period less maintenance)', () => {
    const from = at('2026-03-01T00:00:00Z');
    const to = from + 30 * DAY;
    // 3 h down, 1 h of it inside a 2 h window; another 1 h outage overlapping the first counts once.
    const outages: [number, number][] = [
      [from + DAY, from + DAY + 3 * HOUR],
      [from + DAY + HOUR, from + DAY + 2 * HOUR],
    ];
    const maintenance: [number, number][] = [[from + DAY + 2 * HOUR, from + DAY + 4 * HOUR]];
    const u = uptime(outages, maintenance, from, to);
    assert.deepEqual(u, {
      measuredMs: 30 * DAY - 2 * HOUR,
      downMs: 2 * HOUR,
      maintenanceMs: 2 * HOUR,
      percent: Math.round(100_000 * (1 - 2 / (30 * 24 - 2))) / 1000,
    });
    assert.equal(u.percent, 99.721); // 100 × (1 − 2 h / 718 h)
    assert.equal(uptime([], [[from, to]], from, to).percent, null);
  });

  it('day bars: fractions of each UTC day, today up to now', () => {
    const d0 = at('2026-03-01T00:00:00Z');
    const bars = dailyBars(
      [[d0 + 18 * HOUR, d0 + 30 * HOUR]],
      [[d0 + 12 * HOUR, d0 + 18 * HOUR]],
      d0,
      d0 + DAY + 12 * HOUR,
    );
    assert.deepEqual(bars, [
      { date: '2026-03-01', outage: 0.25, maintenance: 0.25 },
      { date: '2026-03-02', outage: 0.5, maintenance: 0 },
    ]);
  });
});
