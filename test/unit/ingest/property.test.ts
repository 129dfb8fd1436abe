// Property: whatever JSON arrives, every parser either returns valid drafts or throws a
// ValidationError; never a TypeError or any other exception (which the HTTP layer would answer 500).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type AlertDraft, SEVERITIES } from '../../../router/alert.ts';
import { ValidationError } from '../../../router/errors.ts';
import { parseAlertmanager } from '../../../router/ingest/alertmanager.ts';
import type { IngestResult } from '../../../router/ingest/common.ts';
import { parseGeneric } from '../../../router/ingest/generic.ts';
import { INGEST_LIMITS, LABEL_NAME_PATTERN } from '../../../router/ingest/limits.ts';
import { parsePrtg } from '../../../router/ingest/prtg.ts';
import { parseZabbix, ZABBIX_PAYLOAD_KEYS } from '../../../router/ingest/zabbix.ts';
import { fixture } from './helpers.ts';

const NOW = new Date('2026-11-26T15:20:00Z');
const RUNS = { numRuns: 300 };

type Parser = (body: unknown, receivedAt: Date) => IngestResult;

function assertValidDraft(draft: AlertDraft): void {
  assert.ok(draft.fingerprint.length > 0 && draft.fingerprint.length <= INGEST_LIMITS.maxFingerprintLength);
  assert.ok(draft.status === 'firing' || draft.status === 'resolved');
  assert.ok(SEVERITIES.includes(draft.severity));
  assert.ok(draft.summary.length <= INGEST_LIMITS.maxSummaryLength);
  assert.ok(Object.keys(draft.labels).length <= INGEST_LIMITS.maxLabelsPerAlert);
  for (const [name, value] of Object.entries(draft.labels)) {
    assert.match(name, LABEL_NAME_PATTERN);
    assert.equal(typeof value, 'string');
  }
  for (const value of Object.values(draft.annotations)) assert.equal(typeof value, 'string');
  assert.ok(Number.isFinite(Date.parse(draft.startsAt)));
  if (draft.endsAt !== undefined) assert.ok(Number.isFinite(Date.parse(draft.endsAt)));
}

/** Runs `parse`; passes when it returns valid drafts or throws a ValidationError. */
function parsesOrRejects(parse: Parser, body: unknown): void {
  let result: IngestResult;
  try {
    result = parse(body, NOW);
  } catch (error) {
    if (error instanceof ValidationError) return;
    throw error;
  }
  assert.ok(Array.isArray(result.alerts));
  assert.ok(Number.isInteger(result.truncated) && result.truncated >= 0);
  for (const draft of result.alerts) assertValidDraft(draft);
}

/**
 * Mostly one of a few plausible values for a field, sometimes any string, any JSON or nothing: each
 * field is likely valid, so a good share of bodies parse and the rest fail one field at a time.
 */
const eitherOf = <T>(...plausible: T[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...plausible), weight: 40 },
    { arbitrary: fc.string(), weight: 1 },
    { arbitrary: fc.jsonValue(), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );

const stringMap = fc.oneof(
  { arbitrary: fc.dictionary(fc.string({ minLength: 1 }), fc.string(), { maxKeys: 8 }), weight: 8 },
  { arbitrary: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), weight: 1 },
  { arbitrary: fc.jsonValue(), weight: 1 },
);
const validTimestamp = fc
  .date({ noInvalidDate: true, min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z') })
  .map((d) => d.toISOString());
const timestamp = fc.oneof({ arbitrary: validTimestamp, weight: 8 }, { arbitrary: fc.jsonValue(), weight: 1 });

/** Alertmanager-shaped bodies: right keys, values anywhere from valid to garbage. */
const alertmanagerBodies = fc.record({
  version: eitherOf('4'),
  truncatedAlerts: eitherOf(0, 3),
  alerts: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.array(
        fc.record({
          status: eitherOf('firing', 'resolved'),
          labels: stringMap,
          annotations: stringMap,
          startsAt: fc.oneof(timestamp, fc.constant('0001-01-01T00:00:00Z')),
          endsAt: fc.oneof(timestamp, fc.constant('0001-01-01T00:00:00Z')),
          fingerprint: eitherOf('c5d80318c4ca3a3b', ''),
          generatorURL: eitherOf('http://prometheus:9090/graph'),
        }),
        { maxLength: 5 },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  ),
});

/** Zabbix-shaped bodies: every key the parser reads, each a captured value, any string or any JSON. */
const zabbixProblem = fixture('zabbix-6.0.14-webhook-problem.json');
const zabbixBodies = fc.record(
  Object.fromEntries(
    ZABBIX_PAYLOAD_KEYS.map((key) => {
      const captured = zabbixProblem[key];
      return [
        key,
        typeof captured === 'string' ? eitherOf(captured, captured, captured, '{EVENT.X}') : eitherOf('Europe/Berlin'),
      ];
    }),
  ),
);

const prtgBodies = fc.record({
  sensorid: eitherOf<string | number>('2034', 2035),
  status: eitherOf('Down', 'Up', 'Warning', 'Unusual', 'Paused (paused by user)', 'Down (partial)', '%status'),
  device: eitherOf('web01'),
  name: eitherOf('Ping'),
  message: eitherOf('Request timed out'),
  datetime: eitherOf('26.11.2026 15:14:44', '11/26/2026 3:14:44 PM', '31.02.2026 25:00:00'),
  tags: eitherOf('a b', '%tags'),
  timezone: eitherOf('Europe/Berlin', 'UTC', 'America/New_York', 'Nowhere/Land'),
});

const genericAlert = fc.record({
  summary: eitherOf('Disk full'),
  fingerprint: eitherOf('fp', 'db01-disk'),
  status: eitherOf('firing', 'resolved'),
  severity: eitherOf(...SEVERITIES),
  labels: fc.oneof(
    { weight: 8, arbitrary: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.string(), { maxKeys: 5 }) },
    { weight: 1, arbitrary: stringMap },
  ),
  annotations: stringMap,
  startsAt: fc.oneof(
    { weight: 10, arbitrary: timestamp },
    { weight: 1, arbitrary: fc.constant('2026-11-26T15:00:00') },
  ),
  endsAt: timestamp,
});
const genericBodies = fc.oneof(genericAlert, fc.array(genericAlert, { minLength: 1, maxLength: 5 }));

const cases: [string, Parser, fc.Arbitrary<unknown>][] = [
  ['parseAlertmanager', parseAlertmanager, alertmanagerBodies],
  ['parseZabbix', parseZabbix, zabbixBodies],
  ['parsePrtg', parsePrtg, prtgBodies],
  ['parseGeneric', parseGeneric, genericBodies],
];

for (const [name, parse, shaped] of cases) {
  describe(`${name} on any input`, () => {
    it('arbitrary JSON: drafts or a ValidationError', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (body) => parsesOrRejects(parse, body)),
        RUNS,
      );
    });

    it('payloads of the right shape with arbitrary values: drafts or a ValidationError', () => {
      fc.assert(
        fc.property(shaped, (body) => parsesOrRejects(parse, body)),
        RUNS,
      );
    });
  });
}
