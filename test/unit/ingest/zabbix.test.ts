import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Severity } from '../../../router/alert.ts';
import { isUnfilledZabbixValue, parseZabbix, zabbixSeverity } from '../../../router/ingest/zabbix.ts';
import { assertRejects, fixture } from './helpers.ts';

const NOW = new Date('2026-11-26T15:20:00Z');

/** The captured Zabbix 6.0.14 problem message with some parameters changed. */
function problem(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('zabbix-6.0.14-webhook-problem.json'), ...changes };
}

const parseOne = (body: unknown, now = NOW) => {
  const result = parseZabbix(body, now);
  assert.equal(result.alerts.length, 1);
  assert.equal(result.truncated, 0);
  return result.alerts[0]!;
};

const EXPECTED_LABELS = {
  host: 'web01',
  host_name: 'web01',
  role: 'web',
  service: 'web',
  source: 'zabbix-peer',
  trigger_id: '23133',
};

describe('parseZabbix: the real 6.0.14 messages', () => {
  it('maps the problem to a firing alert keyed by the problem event id', () => {
    assert.deepEqual(parseOne(fixture('zabbix-6.0.14-webhook-problem.json')), {
      source: 'zabbix',
      fingerprint: '1',
      status: 'firing',
      severity: 'high',
      summary: 'High CPU on web01',
      labels: EXPECTED_LABELS,
      annotations: { opdata: '99', zabbix_severity: 'High' },
      startsAt: '2026-11-26T15:14:44.000Z',
    });
  });

  it('maps the acknowledgement to a firing alert with acknowledgedBy and the comment as note', () => {
    assert.deepEqual(parseOne(fixture('zabbix-6.0.14-webhook-ack.json')), {
      source: 'zabbix',
      fingerprint: '1',
      status: 'firing',
      severity: 'high',
      summary: 'High CPU on web01',
      labels: EXPECTED_LABELS,
      annotations: { opdata: '99', zabbix_severity: 'High', update_action: 'acknowledged and commented' },
      startsAt: '2026-11-26T15:14:44.000Z',
      acknowledgedBy: 'Zabbix Administrator (Admin)',
      note: 'Looking into it (zabbix-peer demo)',
    });
  });

  it('maps the recovery to a resolved alert ending at the recovery time, with the same fingerprint', () => {
    assert.deepEqual(parseOne(fixture('zabbix-6.0.14-webhook-recovery.json')), {
      source: 'zabbix',
      fingerprint: '1',
      status: 'resolved',
      severity: 'high',
      summary: 'High CPU on web01',
      labels: EXPECTED_LABELS,
      annotations: { opdata: '1', zabbix_severity: 'High', recovery_event_id: '2' },
      startsAt: '2026-11-26T15:14:44.000Z',
      endsAt: '2026-11-26T15:14:52.000Z',
    });
  });

  it('treats the unfilled {USER.FULLNAME} and {EVENT.UPDATE.MESSAGE} of a problem as absent', () => {
    const alert = parseOne(fixture('zabbix-6.0.14-webhook-problem.json'));
    assert.equal(alert.note, undefined);
    assert.equal(alert.acknowledgedBy, undefined);
  });
});

describe('zabbixSeverity', () => {
  const cases: [string | undefined, string | undefined, Severity, string][] = [
    ['5', 'Disaster', 'critical', 'Disaster -> critical'],
    ['4', 'High', 'high', 'High -> high'],
    ['3', 'Average', 'warning', 'Average -> warning'],
    ['2', 'Warning', 'warning', 'Warning -> warning'],
    ['1', 'Information', 'info', 'Information -> info'],
    ['0', 'Not classified', 'info', 'Not classified -> info'],
    ['5', 'Sev-1', 'critical', 'the number wins over a renamed severity'],
    [undefined, 'Disaster', 'critical', 'no number: the default name'],
    [undefined, 'average', 'warning', 'names in any case'],
    ['9', undefined, 'warning', 'out-of-range number, no name: warning'],
    [undefined, 'Sev-1', 'warning', 'unknown renamed severity: warning'],
    [undefined, undefined, 'warning', 'nothing: warning'],
  ];
  for (const [nseverity, name, expected, why] of cases) {
    it(why, () => assert.equal(zabbixSeverity(nseverity, name), expected));
  }

  it('reads event_nseverity from the payload', () => {
    assert.equal(parseOne(problem({ event_nseverity: '5', event_severity: 'Disaster' })).severity, 'critical');
  });
});

describe('isUnfilledZabbixValue', () => {
  const cases: [string, boolean, string][] = [
    ['{USER.FULLNAME}', true, 'built-in macro left unexpanded'],
    ['{EVENT.RECOVERY.ID}', true, 'recovery macro in a problem message'],
    ['{$SWITCHBOARD.URL}', true, 'user macro not defined'],
    ['{$MACRO:"ctx"}', true, 'user macro with context'],
    ['*UNKNOWN*', true, "Zabbix's placeholder for values it cannot resolve"],
    ['', true, 'empty'],
    ['  ', true, 'blank'],
    ['web01', false, 'a value'],
    ['{"status":"down"}', false, 'JSON text is a value, not a macro'],
    ['{}', false, 'braces alone are a value'],
  ];
  for (const [value, expected, why] of cases) {
    it(`${JSON.stringify(value)}: ${why}`, () => assert.equal(isUnfilledZabbixValue(value), expected));
  }
});

describe('parseZabbix: updates', () => {
  const ack = (changes: Record<string, unknown>) => ({ ...fixture('zabbix-6.0.14-webhook-ack.json'), ...changes });

  it('falls back to "zabbix" as acknowledger when {USER.FULLNAME} is not filled', () => {
    assert.equal(parseOne(ack({ user_fullname: '{USER.FULLNAME}' })).acknowledgedBy, 'zabbix');
  });

  it('an acknowledgement without a comment has no note', () => {
    assert.equal(parseOne(ack({ event_update_message: '' })).note, undefined);
  });

  it('a comment on an unacknowledged problem is a note without acknowledgedBy', () => {
    const alert = parseOne(ack({ event_ack_status: 'No', event_update_action: 'commented' }));
    assert.equal(alert.acknowledgedBy, undefined);
    assert.equal(alert.note, 'Looking into it (zabbix-peer demo)');
    assert.equal(alert.status, 'firing');
  });

  it('a recovery never carries an acknowledgement, even when the problem was acknowledged', () => {
    const alert = parseOne(fixture('zabbix-6.0.14-webhook-recovery.json'));
    assert.equal(alert.acknowledgedBy, undefined);
  });
});

describe('parseZabbix: time', () => {
  it('reads date and time in the payload time zone', () => {
    const alert = parseOne(problem({ timezone: 'Europe/Berlin' }));
    assert.equal(alert.startsAt, '2026-11-26T14:14:44.000Z');
  });

  it('treats an unfilled timezone parameter as UTC', () => {
    assert.equal(parseOne(problem({ timezone: '{$ZABBIX.TZ}' })).startsAt, '2026-11-26T15:14:44.000Z');
  });

  it('prefers {EVENT.TIMESTAMP} when it is filled', () => {
    const alert = parseOne(problem({ event_timestamp: '1795705000', timezone: 'Europe/Berlin' }));
    assert.equal(alert.startsAt, new Date(1795705000 * 1000).toISOString());
  });

  it('falls back to date and time when {EVENT.TIMESTAMP} is unfilled', () => {
    assert.equal(parseOne(problem({ event_timestamp: '{EVENT.TIMESTAMP}' })).startsAt, '2026-11-26T15:14:44.000Z');
  });

  it('falls back to receipt when the date is unreadable', () => {
    assert.equal(parseOne(problem({ event_date: '26.11.2026' })).startsAt, NOW.toISOString());
  });

  it('caps a start in the future (wrong time zone) at receipt', () => {
    const early = new Date('2026-11-26T14:30:00Z');
    assert.equal(parseOne(problem(), early).startsAt, early.toISOString());
  });

  it('ends a recovery without recovery date at receipt', () => {
    const recovery = {
      ...fixture('zabbix-6.0.14-webhook-recovery.json'),
      event_recovery_date: '{EVENT.RECOVERY.DATE}',
    };
    assert.equal(parseOne(recovery).endsAt, NOW.toISOString());
  });
});

describe('parseZabbix: labels and annotations', () => {
  it('sanitises tag names and merges repeated tags', () => {
    const tags = [
      { tag: 'service', value: 'web' },
      { tag: 'service', value: 'db' },
      { tag: 'Application name', value: 'shop' },
      { tag: '1st', value: 'x' },
      { tag: '__proto__', value: 'y' },
      { tag: 'flag' },
    ];
    const alert = parseOne(problem({ event_tagsjson: JSON.stringify(tags) }));
    assert.deepEqual(alert.labels, {
      _1st: 'x',
      _proto__: 'y',
      Application_name: 'shop',
      flag: '',
      host: 'web01',
      host_name: 'web01',
      service: 'db,web',
      trigger_id: '23133',
    });
  });

  it('lets the host and trigger identity win over tags of the same name', () => {
    const alert = parseOne(problem({ event_tagsjson: JSON.stringify([{ tag: 'host', value: 'other' }]) }));
    assert.equal(alert.labels['host'], 'web01');
  });

  it('falls back to {EVENT.TAGS} text when {EVENT.TAGSJSON} is absent', () => {
    const alert = parseOne(problem({ event_tagsjson: undefined, event_tags: 'role:web, scope:availability, flag' }));
    assert.deepEqual(alert.labels, {
      flag: '',
      host: 'web01',
      host_name: 'web01',
      role: 'web',
      scope: 'availability',
      trigger_id: '23133',
    });
  });

  it('accepts tags already decoded into an array', () => {
    const alert = parseOne(problem({ event_tagsjson: [{ tag: 'a', value: 'b' }] }));
    assert.equal(alert.labels['a'], 'b');
  });

  it('links to the event when {$ZABBIX.URL} is filled', () => {
    const alert = parseOne(problem({ zabbix_url: 'https://zabbix.example/' }));
    assert.equal(alert.annotations['event_url'], 'https://zabbix.example/tr_events.php?triggerid=23133&eventid=1');
  });

  it('does not link when {$ZABBIX.URL} is unfilled', () => {
    assert.equal(parseOne(problem({ zabbix_url: '{$ZABBIX.URL}' })).annotations['event_url'], undefined);
  });

  it('never copies the token or Switchboard URL of an old script into the alert', () => {
    const alert = parseOne(problem());
    assert.ok(!JSON.stringify(alert).includes('demo-token-123'));
  });

  it('names the event by id when {EVENT.NAME} is unfilled', () => {
    assert.equal(parseOne(problem({ event_name: '{EVENT.NAME}' })).summary, 'Zabbix event 1');
  });
});

describe('parseZabbix: rejects malformed payloads with the field at fault', () => {
  const tooManyTags = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ tag: `t${i}`, value: 'v' })));
  const cases: [string, unknown, string, string | RegExp][] = [
    ['null body', null, '', 'got null'],
    ['array body', [problem()], '', 'got an array'],
    ['string body', 'event_id=1', '', 'got a string'],
    ['no event id', problem({ event_id: undefined }), 'event_id', 'required'],
    ['unfilled event id', problem({ event_id: '{EVENT.ID}' }), 'event_id', 'required'],
    ['event id an object', problem({ event_id: { id: 1 } }), 'event_id', 'got an object'],
    ['event value missing', problem({ event_value: undefined }), 'event_value', 'required'],
    ['event value 2', problem({ event_value: '2' }), 'event_value', '"2"'],
    ['update status 7', problem({ event_update_status: '7' }), 'event_update_status', '"7"'],
    ['tags not JSON', problem({ event_tagsjson: '[{tag:' }), 'event_tagsjson', 'not valid JSON'],
    ['tags JSON object', problem({ event_tagsjson: '{"tag":"a"}' }), 'event_tagsjson', 'JSON array'],
    ['tag entry garbage', problem({ event_tagsjson: '[1]' }), 'event_tagsjson[0]', 'got a number'],
    ['tag name missing', problem({ event_tagsjson: '[{"value":"x"}]' }), 'event_tagsjson[0].tag', 'must be a string'],
    ['tag value a list', problem({ event_tagsjson: '[{"tag":"a","value":[]}]' }), 'event_tagsjson[0].value', 'array'],
    ['10k tags', problem({ event_tagsjson: tooManyTags }), 'event_tagsjson', 'has 10000 tags'],
    ['bad time zone', problem({ timezone: 'Europe/Berln' }), 'timezone', 'not an IANA time zone'],
    ['time zone a number', problem({ timezone: 1 }), 'timezone', 'got a number'],
  ];
  for (const [name, body, field, message] of cases) {
    it(name, () => {
      assertRejects(() => parseZabbix(body, NOW), field, message);
    });
  }
});
