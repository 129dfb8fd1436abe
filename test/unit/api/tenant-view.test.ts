// What a tenant's own tokens see of an incident (router/api/tenant-view.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MSP_ACTOR, tenantIncident, tenantTimeline } from '../../../router/api/tenant-view.ts';
import type { Incident, IncidentEvent } from '../../../router/incidents/model.ts';

const base = { tenant: 'acme', incidentId: 'i1', at: '2026-03-01T10:00:00.000Z' };

describe('tenant view', () => {
  it('drops internal notes, failed notifications and escalation problems', () => {
    const events = [
      { ...base, type: 'incident.note', text: 'db creds rotated by tom', visibility: 'internal', by: 'tom' },
      { ...base, type: 'incident.note', text: 'we are on it', visibility: 'customer', by: 'tom', principal: 'admin' },
      {
        ...base,
        type: 'notification.failed',
        key: 'k',
        repeat: 0,
        step: 0,
        target: 'responder/msp/tom',
        rule: 'sms@0',
        error: 'Twilio 21211 +4915112345678',
      },
      {
        ...base,
        type: 'escalation.problem',
        key: 'k2',
        repeat: 0,
        step: 0,
        target: 'schedule/msp/nights',
        rule: 'nobody_on_call',
      },
    ] as unknown as IncidentEvent[];
    const shown = tenantTimeline('acme', events);
    assert.deepEqual(shown, [
      { ...base, type: 'incident.note', text: 'we are on it', visibility: 'customer', by: MSP_ACTOR },
    ]);
  });

  it('keeps that the MSP was notified, not whom or through which schedule', () => {
    const sent = {
      ...base,
      type: 'notification.sent',
      key: 'notify/tom',
      repeat: 1,
      step: 1,
      target: 'responder/msp/tom',
      rule: 'sms@0',
      destination: 'sms',
      viaSchedule: { key: 'schedule/msp/nights', layer: 'weekdays' },
      ref: 'SM123',
    } as unknown as IncidentEvent;
    const [shown] = tenantTimeline('acme', [sent]);
    const text = JSON.stringify(shown);
    for (const secret of ['tom', 'nights', 'weekdays', 'SM123']) assert.ok(!text.includes(secret), text);
    assert.equal((shown as unknown as { destination: string }).destination, 'sms');
  });

  it("shows the tenant's own actors, and everyone else as the MSP", () => {
    const events = [
      { ...base, type: 'incident.acknowledged', by: 'tenant:acme:responder', principal: 'tenant:acme:responder' },
      { ...base, type: 'incident.resolved', by: 'tom', principal: 'admin' },
      { ...base, type: 'incident.acknowledged', by: 'zabbix-user' },
    ] as IncidentEvent[];
    assert.deepEqual(
      tenantTimeline('acme', events).map((e) => e.by),
      ['tenant:acme:responder', MSP_ACTOR, MSP_ACTOR],
    );
    assert.ok(tenantTimeline('acme', events).every((e) => !('principal' in e)));
  });

  it('incident JSON: staff names become the MSP, the escalation policy is dropped', () => {
    const i = {
      id: 'i1',
      tenant: 'acme',
      policy: 'msp/vip-nights',
      acknowledgedBy: 'tom',
      resolvedBy: null,
    } as unknown as Incident;
    const shown = tenantIncident(i);
    assert.equal(shown.acknowledgedBy, MSP_ACTOR);
    assert.equal(shown.resolvedBy, null);
    assert.ok(!('policy' in shown));
    const own = tenantIncident({ ...i, acknowledgedBy: 'tenant:acme:responder' });
    assert.equal(own.acknowledgedBy, 'tenant:acme:responder');
    const auto = tenantIncident({ ...i, resolvedBy: 'alertmanager (all alerts resolved)' });
    assert.equal(auto.resolvedBy, 'alertmanager (all alerts resolved)');
    // A name that only ends like the router's own text, but was sent by the admin, is still staff.
    const [posed] = tenantTimeline('acme', [
      { ...base, type: 'incident.resolved', by: 'tom (all alerts resolved)', principal: 'admin' },
    ] as IncidentEvent[]);
    assert.equal(posed?.by, MSP_ACTOR);
  });
});
