// The status page model: component states, customer-only notes, tenant isolation and uptime on a fixed now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Severity } from '../../../router/alert.ts';
import { parseMatcher } from '../../../router/config/matchers.ts';
import type { IncidentEvent } from '../../../router/incidents/model.ts';
import { statusHtml } from '../../../router/status/html.ts';
import { type StatusIncidentInput, statusPage } from '../../../router/status/page.ts';
import { tenantConfig } from '../mute/helpers.ts';
import { at, incident } from '../sla/fixtures.ts';

const NOW = at('2026-03-10T12:00:00Z');
const tenant = tenantConfig({
  displayName: 'Acme <GmbH>',
  statusPage: {
    enabled: true,
    viewerTokenSha256: null,
    components: [
      { name: 'web', displayName: 'Web shop', matchers: [parseMatcher('service="web"')] },
      { name: 'mail', displayName: 'Mail', matchers: [parseMatcher('service="mail"')] },
      { name: 'vpn', displayName: 'VPN', matchers: [parseMatcher('service="vpn"')] },
    ],
  },
});
const alert = (service: string, severity: Severity, status: 'firing' | 'resolved' = 'firing') => ({
  labels: { service },
  severity,
  status,
});
const note = (
  id: string,
  atIso: string,
  text: string,
  visibility: 'internal' | 'customer',
  publicStatus?: IncidentEvent['publicStatus'],
): IncidentEvent => ({
  type: 'incident.note',
  at: atIso,
  tenant: 'acme',
  incidentId: id,
  text,
  visibility,
  ...(publicStatus ? { publicStatus } : {}),
});

const inputs: StatusIncidentInput[] = [
  // Open: web critical firing, with a customer and an internal note.
  {
    incident: incident('i1', 'critical', '2026-03-10T10:00:00Z'),
    alerts: [alert('web', 'critical')],
    events: [
      note('i1', '2026-03-10T10:10:00Z', 'We are looking into it', 'customer', 'investigating'),
      note('i1', '2026-03-10T10:20:00Z', 'db01 root password is hunter2', 'internal'),
      note('i1', '2026-03-10T10:30:00Z', 'Cause found', 'customer', 'identified'),
    ],
  },
  // Open: mail warning firing -> degraded; a resolved critical vpn alert in it does not count now.
  {
    incident: incident('i2', 'warning', '2026-03-10T11:00:00Z'),
    alerts: [alert('mail', 'warning'), alert('vpn', 'critical', 'resolved')],
    events: [],
  },
  // Resolved yesterday: vpn outage of 6 hours (2026-03-09 06:00-12:00).
  {
    incident: incident('i3', 'critical', '2026-03-09T06:00:00Z', { resolve: 6 * 3600 }),
    alerts: [alert('vpn', 'critical', 'resolved')],
    events: [],
  },
  // Resolved, overlapping i3 by 2 hours (10:00-14:00): the union counts, 8 hours that day.
  {
    incident: incident('i4', 'high', '2026-03-09T10:00:00Z', { resolve: 4 * 3600 }),
    alerts: [alert('vpn', 'high', 'resolved')],
    events: [],
  },
  // Older than 90 days: ignored.
  {
    incident: incident('i5', 'critical', '2025-11-01T00:00:00Z', { resolve: 3600 }),
    alerts: [alert('vpn', 'critical', 'resolved')],
    events: [],
  },
  // Another tenant's open outage on "web": never shown, never counted.
  {
    incident: incident('x1', 'critical', '2026-03-10T09:00:00Z', { tenant: 'globex' }),
    alerts: [alert('mail', 'critical')],
    events: [note('x1', '2026-03-10T09:05:00Z', 'globex secret', 'customer')],
  },
];

describe('status page model', () => {
  const page = statusPage({ tenant, incidents: inputs, now: NOW });
  const comp = (n: string) => page.components.find((c) => c.name === n);

  it('component states from firing alerts of open incidents', () => {
    assert.equal(comp('web')?.state, 'outage');
    assert.equal(comp('mail')?.state, 'degraded');
    assert.equal(comp('vpn')?.state, 'operational');
    assert.equal(page.overall, 'outage');
  });

  it('open incidents of this tenant only, with customer notes only and the latest public status', () => {
    assert.deepEqual(
      page.incidents.map((i) => i.id),
      ['i2', 'i1'],
    );
    const i1 = page.incidents.find((i) => i.id === 'i1');
    assert.equal(i1?.status, 'identified');
    assert.deepEqual(i1?.components, ['web']);
    assert.deepEqual(
      i1?.updates.map((u) => u.text),
      ['Cause found', 'We are looking into it'],
    );
    assert.equal(page.incidents.find((i) => i.id === 'i2')?.status, 'investigating');
    const all = JSON.stringify(page);
    assert.ok(!all.includes('hunter2'));
    assert.ok(!all.includes('globex'));
  });

  it('uptime: fraction of each UTC day with an outage over 90 days', () => {
    const vpn = comp('vpn');
    assert.equal(vpn?.days.length, 90);
    assert.equal(vpn?.days[0]?.date, '2025-12-11');
    assert.equal(vpn?.days[89]?.date, '2026-03-10');
    assert.equal(vpn?.days[88]?.outage, Math.round((10_000 * 8) / 24) / 10_000);
    assert.ok(vpn?.days.slice(0, 88).every((d) => d.outage === 0));
    // Window: 89 full days + 12 h today; 8 h down.
    const total = 89 * 24 + 12;
    assert.equal(vpn?.uptimePercent, Math.round(100_000 * (1 - 8 / total)) / 1000);
    // web: open since 10:00 today, 2 of the 12 elapsed hours.
    assert.equal(comp('web')?.days[89]?.outage, Math.round((10_000 * 2) / 12) / 10_000);
    // mail: only a warning (degraded), and globex's critical does not count.
    assert.equal(comp('mail')?.uptimePercent, 100);
  });

  it('HTML: escaped, self-contained, names the components', () => {
    const html = statusHtml(page);
    assert.ok(html.includes('Acme &lt;GmbH&gt;'));
    assert.ok(!html.includes('<GmbH>'));
    for (const n of ['Web shop', 'Mail', 'VPN', 'Cause found']) assert.ok(html.includes(n), n);
    assert.ok(!/(src|href)=|https?:/i.test(html));
    assert.ok(!html.includes('hunter2'));
  });
});
