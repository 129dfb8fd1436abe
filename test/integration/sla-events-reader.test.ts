// The SLA report's reader against a real nats-server: it reads the window from the events stream by stream
// time, and for uptime also finds incidents opened before it that may overlap it (seen only partly, or not at
// all: still open, or touched only by notifications), and reads those whole.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { EVENTS_STREAM, eventSubject } from '../../router/bus/subjects.ts';
import { parseMatcher } from '../../router/config/matchers.ts';
import type { IncidentEvent } from '../../router/incidents/model.ts';
import { readTenantIncidents } from '../../router/sla/events-reader.ts';
import { NatsServer } from '../harness/nats.ts';

let nats: NatsServer;
let nc: NatsConnection;
const web = [{ name: 'web', displayName: 'Web', matchers: [parseMatcher('service="web"')] }];

before(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url });
  await (await jetstreamManager(nc)).streams.add({ name: EVENTS_STREAM, subjects: ['sb.events.>'] });
});
after(async () => {
  await nc?.close();
  await nats?.close();
});

const ev = (type: IncidentEvent['type'], incidentId: string, at: string, extra: Partial<IncidentEvent> = {}) =>
  ({ type, at, tenant: 'acme', incidentId, ...extra }) as IncidentEvent;

async function publish(events: IncidentEvent[]): Promise<void> {
  const js = jetstream(nc);
  for (const e of events) await js.publish(eventSubject(e.tenant, e.incidentId), JSON.stringify(e));
}

describe('events reader', () => {
  let boundary = 0;
  it('stores events before and after a boundary (stream time)', async () => {
    const opened = (id: string) => [
      ev('incident.opened', id, '2026-03-01T00:00:00.000Z', { severity: 'critical', summary: id }),
      ev('alert.firing', id, '2026-03-01T00:00:00.000Z', {
        fingerprint: `${id}-f`,
        severity: 'critical',
        labels: { service: 'web' },
        changedAt: '2026-03-01T00:00:00.000Z',
      }),
    ];
    await publish([
      ...opened('old-open'),
      ...opened('old-resolved'),
      ev('incident.resolved', 'old-resolved', '2026-03-01T01:00:00.000Z'),
      ...opened('old-notified'),
      ...opened('old-resolved-later'),
      ...opened('old-noted'),
      ev('incident.resolved', 'old-noted', '2026-03-01T01:00:00.000Z'),
      // Another tenant's: never read.
      { ...ev('incident.opened', 'x', '2026-03-01T00:00:00.000Z', { severity: 'critical' }), tenant: 'globex' },
    ]);
    await sleep(50);
    boundary = Date.now();
    await sleep(50);
    await publish([
      ev('notification.sent', 'old-notified', '2026-03-10T00:00:00.000Z'),
      ev('incident.resolved', 'old-resolved-later', '2026-03-10T00:00:00.000Z'),
      ev('incident.note', 'old-noted', '2026-03-10T00:00:00.000Z', { visibility: 'internal', text: 'later' }),
      ...opened('new').map((e) => ({ ...e, at: '2026-03-10T00:00:00.000Z' })),
    ]);
  });

  it('without components: the window only', async () => {
    const fold = await readTenantIncidents(jetstream(nc), {
      tenant: 'acme',
      from: 0,
      readFrom: boundary,
      components: [],
    });
    assert.deepEqual(
      fold.incidents().map((i) => i.id),
      ['new'],
    );
    assert.deepEqual(fold.partial(), ['old-resolved-later', 'old-noted']);
  });

  it('with components: incidents opened before the window that may overlap it, read whole', async () => {
    const phases: string[] = [];
    const fold = await readTenantIncidents(jetstream(nc), {
      tenant: 'acme',
      from: 0,
      readFrom: boundary,
      components: web,
      progress: (p) => phases.push(p.phase),
    });
    const got = Object.fromEntries(fold.incidents().map((i) => [i.id, [i.resolvedAt, i.componentsDown]]));
    assert.deepEqual(got, {
      'old-noted': ['2026-03-01T01:00:00.000Z', ['web']],
      'old-notified': [null, ['web']],
      'old-open': [null, ['web']],
      'old-resolved-later': ['2026-03-10T00:00:00.000Z', ['web']],
      new: [null, ['web']],
    });
    assert.deepEqual(fold.partial(), []);
    assert.ok(phases.length > 0);
  });
});
