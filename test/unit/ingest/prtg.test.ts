import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PRTG_TEST_NOTIFICATION_MESSAGE,
  type PrtgStatusMeaning,
  parsePrtg,
  parsePrtgDateTime,
  prtgStatusMeaning,
} from '../../../router/ingest/prtg.ts';
import { assertRejects } from './helpers.ts';

const NOW = new Date('2026-11-26T15:20:00Z');

/** What PRTG posts for the Postdata in integrations/prtg/http-action.txt, form-decoded. */
function notification(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sensorid: '2034',
    deviceid: '2030',
    device: 'web01.acme.local',
    name: 'Ping',
    status: 'Down',
    down: '10 s',
    message: 'Destination host unreachable (ping error: 80004)',
    datetime: '26.11.2026 15:14:44',
    lastvalue: 'No data',
    probe: 'Local Probe',
    group: 'Acme',
    priority: '3',
    tags: 'pingsensor customer_acme',
    ...changes,
  };
}

/** Every placeholder unsubstituted, as the notification's "Test" button sends them. */
const TEST_BUTTON = {
  sensorid: '%sensorid',
  deviceid: '%deviceid',
  device: '%device',
  name: '%name',
  status: '%status',
  down: '%down',
  message: '%message',
  datetime: '%datetime',
  lastvalue: '%lastvalue',
  probe: '%probe',
  group: '%group',
  priority: '%priority',
  tags: '%tags',
};

describe('parsePrtg: a Down notification', () => {
  it('maps every placeholder', () => {
    const result = parsePrtg(notification(), NOW);
    assert.equal(result.ignored, undefined);
    assert.equal(result.truncated, 0);
    assert.deepEqual(result.alerts, [
      {
        source: 'prtg',
        fingerprint: '2034',
        status: 'firing',
        severity: 'critical',
        summary: 'Ping on web01.acme.local is Down: Destination host unreachable (ping error: 80004)',
        labels: {
          device: 'web01.acme.local',
          device_id: '2030',
          group: 'Acme',
          priority: '3',
          probe: 'Local Probe',
          sensor: 'Ping',
          sensor_id: '2034',
          tags: 'pingsensor customer_acme',
        },
        annotations: {
          prtg_status: 'Down',
          message: 'Destination host unreachable (ping error: 80004)',
          down: '10 s',
          lastvalue: 'No data',
          datetime: '26.11.2026 15:14:44',
        },
        startsAt: '2026-11-26T15:14:44.000Z',
      },
    ]);
  });

  it('accepts numbers from a JSON body', () => {
    const [alert] = parsePrtg(notification({ sensorid: 2034, deviceid: 2030 }), NOW).alerts;
    assert.equal(alert?.fingerprint, '2034');
    assert.equal(alert?.labels['device_id'], '2030');
  });
});

describe('prtgStatusMeaning', () => {
  const firing = (severity: 'critical' | 'warning' | 'info'): PrtgStatusMeaning => ({
    kind: 'alert',
    status: 'firing',
    severity,
  });
  const cases: [string, PrtgStatusMeaning | null, string][] = [
    ['Down', firing('critical'), 'Down -> critical'],
    ['Down (partial)', firing('critical'), 'partial down is still down'],
    ['Down (Partial)', firing('critical'), 'in any case'],
    ['Down (acknowledged)', firing('critical'), 'acknowledged in PRTG, still down'],
    ['Warning', firing('warning'), 'Warning -> warning'],
    ['Unusual', firing('info'), 'Unusual -> info'],
    ['Up', { kind: 'alert', status: 'resolved', severity: 'info' }, 'Up -> resolved'],
    [' up ', { kind: 'alert', status: 'resolved', severity: 'info' }, 'spaces and case do not matter'],
    ['Paused', { kind: 'paused' }, 'paused'],
    ['Paused (paused by user)', { kind: 'paused' }, 'paused by user'],
    ['Paused (paused by dependency)', { kind: 'paused' }, 'paused by dependency'],
    ['Paused until 27.11.2026 08:00:00', { kind: 'paused' }, 'paused until'],
    ['Unknown', null, 'unknown: not mapped'],
    ['Upward', null, 'a prefix of Up is not Up'],
  ];
  for (const [status, expected, why] of cases) {
    it(`${JSON.stringify(status)}: ${why}`, () => assert.deepEqual(prtgStatusMeaning(status), expected));
  }
});

describe('parsePrtg: Up, Paused and the Test button', () => {
  it('an Up notification resolves the sensor, ending at %datetime', () => {
    const [alert] = parsePrtg(notification({ status: 'Up', datetime: '26.11.2026 15:18:00' }), NOW).alerts;
    assert.equal(alert?.status, 'resolved');
    assert.equal(alert?.fingerprint, '2034');
    assert.equal(alert?.endsAt, '2026-11-26T15:18:00.000Z');
  });

  it('a paused sensor yields no alert and says why', () => {
    const result = parsePrtg(notification({ status: 'Paused (paused by user)' }), NOW);
    assert.deepEqual(result.alerts, []);
    assert.equal(result.ignored?.reason, 'paused');
    assert.match(result.ignored?.detail ?? '', /2034.*Paused \(paused by user\)/);
  });

  it("the Test button's unsubstituted placeholders are refused, saying why", () => {
    const error = assertRejects(() => parsePrtg(TEST_BUTTON, NOW), 'sensorid', PRTG_TEST_NOTIFICATION_MESSAGE);
    assert.match(error.message, /test notification.*not recorded/);
  });

  it('a lone unsubstituted %status is the Test button too', () => {
    assertRejects(() => parsePrtg(notification({ status: '%status' }), NOW), 'status', PRTG_TEST_NOTIFICATION_MESSAGE);
  });

  it('other unsubstituted placeholders (older PRTG without %tags) are just absent', () => {
    const [alert] = parsePrtg(notification({ tags: '%tags', message: '%message' }), NOW).alerts;
    assert.equal(alert?.labels['tags'], undefined);
    assert.equal(alert?.summary, 'Ping on web01.acme.local is Down');
  });
});

describe('parsePrtgDateTime', () => {
  const cases: [string, string, string | null, string][] = [
    ['26.11.2026 15:14:44', 'UTC', '2026-11-26T15:14:44.000Z', 'German locale'],
    ['11/26/2026 3:14:44 PM', 'UTC', '2026-11-26T15:14:44.000Z', 'US locale, afternoon'],
    ['11/26/2026 12:05:00 AM', 'UTC', '2026-11-26T00:05:00.000Z', 'US locale, 12 AM is midnight'],
    ['11/26/2026 12:05:00 PM', 'UTC', '2026-11-26T12:05:00.000Z', 'US locale, 12 PM is noon'],
    ['26/11/2026 15:14:44', 'UTC', '2026-11-26T15:14:44.000Z', 'British locale: day first, 24 h'],
    ['03/04/2026 15:14:44', 'UTC', '2026-04-03T15:14:44.000Z', 'ambiguous slashed date without AM/PM: day first'],
    ['03/04/2026 3:14:44 PM', 'UTC', '2026-03-04T15:14:44.000Z', 'ambiguous slashed date with AM/PM: month first'],
    ['2026-11-26 15:14:44', 'UTC', '2026-11-26T15:14:44.000Z', 'ISO-like'],
    ['26.11.2026 15:14', 'UTC', '2026-11-26T15:14:00.000Z', 'without seconds'],
    ['26.11.2026 15:14:44', 'Europe/Berlin', '2026-11-26T14:14:44.000Z', 'read in the given zone (CET)'],
    ['26.07.2026 15:14:44', 'Europe/Berlin', '2026-07-26T13:14:44.000Z', 'read in the given zone (CEST)'],
    ['31.02.2026 15:14:44', 'UTC', null, 'no 31 February'],
    ['11/26/2026 13:14:44 PM', 'UTC', null, 'no 13 PM'],
    ['yesterday', 'UTC', null, 'not a date'],
  ];
  for (const [text, zone, expected, why] of cases) {
    it(`${text} in ${zone}: ${why}`, () => {
      const epoch = parsePrtgDateTime(text, zone);
      assert.equal(epoch === null ? null : new Date(epoch).toISOString(), expected);
    });
  }

  it('parsePrtg falls back to receipt for an unreadable %datetime', () => {
    const [alert] = parsePrtg(notification({ datetime: 'Thursday' }), NOW).alerts;
    assert.equal(alert?.startsAt, NOW.toISOString());
  });

  it('parsePrtg reads %datetime in the optional timezone field', () => {
    const [alert] = parsePrtg(notification({ timezone: 'Europe/Berlin' }), NOW).alerts;
    assert.equal(alert?.startsAt, '2026-11-26T14:14:44.000Z');
  });
});

describe('parsePrtg: rejects malformed payloads with the field at fault', () => {
  const cases: [string, unknown, string, string | RegExp][] = [
    ['null body', null, '', 'got null'],
    ['array body', [notification()], '', 'got an array'],
    ['no sensor id', notification({ sensorid: undefined }), 'sensorid', 'required'],
    ['empty sensor id', notification({ sensorid: '' }), 'sensorid', 'required'],
    ['sensor id a list (repeated form key)', notification({ sensorid: ['1', '2'] }), 'sensorid', 'got an array'],
    ['no status', notification({ status: undefined }), 'status', 'required'],
    ['unknown status', notification({ status: 'Unknown' }), 'status', 'not a PRTG status'],
    ['status an object', notification({ status: { text: 'Down' } }), 'status', 'got an object'],
    ['device a boolean', notification({ device: true }), 'device', 'got a boolean'],
    ['bad time zone', notification({ timezone: 'Mars/Olympus' }), 'timezone', 'not an IANA time zone'],
  ];
  for (const [name, body, field, message] of cases) {
    it(name, () => {
      assertRejects(() => parsePrtg(body, NOW), field, message);
    });
  }
});
