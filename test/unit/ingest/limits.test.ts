import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyPath, parseRfc3339, stableFingerprint } from '../../../router/ingest/common.ts';
import {
  buildAnnotations,
  buildLabels,
  INGEST_LIMITS,
  LABEL_NAME_PATTERN,
  sanitiseLabelName,
  truncateText,
} from '../../../router/ingest/limits.ts';
import { assertRejects } from './helpers.ts';

const entry = (name: string, value: string) => ({ name, value, field: `tags.${name}` });

describe('sanitiseLabelName', () => {
  const cases: [string, string, string][] = [
    ['host', 'host', 'valid names are kept'],
    ['service.name', 'service_name', 'dots (OpenTelemetry, Prometheus 3 UTF-8) become _'],
    ['Application name', 'Application_name', 'spaces (Zabbix tags) become _'],
    ['kubernetes.io/role', 'kubernetes_io_role', 'slashes become _'],
    ['größe', 'gr__e', 'each non-ASCII UTF-16 unit becomes _'],
    ['1st', '_1st', 'a leading digit gets a _ prefix'],
    ['', '_', 'an empty name becomes _'],
    ['__proto__', '_proto__', 'the reserved __ prefix is cut to one _'],
    ['___x', '_x', 'any run of leading underscores'],
  ];
  for (const [input, expected, why] of cases) {
    it(`${JSON.stringify(input)} -> ${expected}: ${why}`, () => {
      assert.equal(sanitiseLabelName(input), expected);
      assert.match(sanitiseLabelName(input), LABEL_NAME_PATTERN);
    });
  }
});

describe('buildLabels', () => {
  it('merges values of names that repeat or collide after sanitising, sorted and distinct', () => {
    const labels = buildLabels(
      [entry('service', 'web'), entry('service', 'db'), entry('service', 'web'), entry('a.b', '1'), entry('a-b', '2')],
      'sanitise',
      'tags',
    );
    assert.deepEqual(labels, { a_b: '1,2', service: 'db,web' });
  });

  it('returns labels sorted by name', () => {
    assert.deepEqual(Object.keys(buildLabels([entry('b', ''), entry('a', '')], 'strict', 'labels')), ['a', 'b']);
  });

  it('keeps __proto__ from touching the prototype (sanitised to _proto__)', () => {
    const labels = buildLabels([entry('__proto__', 'x')], 'sanitise', 'tags');
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(labels, { _proto__: 'x' });
  });

  it('keeps a merged value over the length limit for caps.ts to cut (a long value loses no alert)', () => {
    const half = 'v'.repeat(INGEST_LIMITS.maxLabelValueLength / 2 + 1);
    const labels = buildLabels([entry('s', `a${half}`), entry('s', `b${half}`)], 'sanitise', 'tags');
    assert.equal(labels['s'], `a${half},b${half}`);
  });

  it('rejects more labels than allowed', () => {
    const entries = Array.from({ length: INGEST_LIMITS.maxLabelsPerAlert + 1 }, (_, i) => entry(`l${i}`, ''));
    assertRejects(() => buildLabels(entries, 'sanitise', 'tags'), 'tags', 'has 65 labels');
  });
});

describe('buildAnnotations', () => {
  it('truncates long values instead of rejecting them, marking the cut', () => {
    const annotations = buildAnnotations([entry('description', 'd'.repeat(20_000))], 'strict', 'annotations');
    assert.equal(annotations['description']?.length, INGEST_LIMITS.maxAnnotationValueLength);
    assert.match(annotations['description'] ?? '', /d… \[truncated \d+ bytes\]$/);
  });

  it('allows names that are not label names', () => {
    assert.deepEqual(buildAnnotations([entry('runbook-url', 'u')], 'strict', 'annotations'), { 'runbook-url': 'u' });
  });
});

describe('truncateText', () => {
  it('keeps short text', () => assert.equal(truncateText('abc', 3), 'abc'));
  it('cuts to exactly the limit, the marker counting the UTF-8 bytes cut', () => {
    const cut = truncateText('a'.repeat(100), 50);
    assert.equal(cut.length, 50);
    const kept = cut.indexOf('…');
    assert.equal(cut, `${'a'.repeat(kept)}… [truncated ${100 - kept} bytes]`);
  });
  it('counts bytes, not characters, of what it cut', () => {
    const cut = truncateText(`${'a'.repeat(40)}${'é'.repeat(60)}`, 40);
    assert.match(cut, /^a+… \[truncated \d+ bytes\]$/);
    const kept = cut.indexOf('…');
    assert.equal(cut, `${'a'.repeat(kept)}… [truncated ${40 - kept + 120} bytes]`);
  });
  it('puts a tag in the marker', () => assert.match(truncateText('x'.repeat(100), 60, 'sha256 ab'), /, sha256 ab\]$/));
  it('never splits a surrogate pair', () => {
    const text = `${'😀'.repeat(40)}`;
    const cut = truncateText(text, 40);
    assert.ok(cut.length <= 40);
    assert.equal(cut.slice(0, cut.indexOf('…')), '😀'.repeat(cut.indexOf('…') / 2));
    assert.ok(Buffer.from(cut).toString() === cut, 'valid UTF-16');
  });
});

describe('stableFingerprint', () => {
  it('is 16 hex digits and independent of label order', () => {
    const a = stableFingerprint({ x: '1', y: '2' });
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.equal(stableFingerprint({ y: '2', x: '1' }), a);
  });
  it('cannot be forged by moving text between names and values', () => {
    assert.notEqual(stableFingerprint({ ab: 'c' }), stableFingerprint({ a: 'bc' }));
  });
  it('depends on the extra text', () => {
    assert.notEqual(stableFingerprint({}, 'a'), stableFingerprint({}, 'b'));
    assert.notEqual(stableFingerprint({}, ''), stableFingerprint({}));
  });
});

describe('parseRfc3339', () => {
  const cases: [string, string | null, string][] = [
    ['2026-11-26T14:47:06.513Z', '2026-11-26T14:47:06.513Z', 'Alertmanager form'],
    ['2026-11-26T14:47:06.513456789Z', '2026-11-26T14:47:06.513Z', 'Go nanoseconds'],
    ['2026-11-26T15:47:06+01:00', '2026-11-26T14:47:06.000Z', 'offset'],
    ['2026-11-26t14:47:06z', '2026-11-26T14:47:06.000Z', 'lower-case t and z (RFC 3339 allows them)'],
    ['2026-11-26T14:47:06', null, 'no offset: ambiguous'],
    ['2026-02-29T00:00:00Z', null, '2026 is not a leap year'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z', '2028 is'],
    ['2026-11-26T24:00:00Z', null, 'hour 24'],
    ['2026-11-26T10:00:00+25:00', null, 'impossible offset'],
    ['26.11.2026', null, 'not RFC 3339'],
  ];
  for (const [text, expected, why] of cases) {
    it(`${text}: ${why}`, () => {
      const epoch = parseRfc3339(text);
      assert.equal(epoch === null ? null : new Date(epoch).toISOString(), expected);
    });
  }

  it('answers the same for a text parsed just before (the last result is kept) as for one not', () => {
    const results = () => cases.map(([text]) => parseRfc3339(text));
    const once = results();
    const twice = cases.map(([text]) => [parseRfc3339(text), parseRfc3339(text)]);
    assert.deepEqual(
      twice.map(([a]) => a),
      once,
    );
    assert.deepEqual(
      twice.map(([, b]) => b),
      once,
    );
  });
});

describe('keyPath', () => {
  it('uses dots for identifiers and brackets otherwise', () => {
    assert.equal(keyPath('alerts[3].labels', 'severity'), 'alerts[3].labels.severity');
    assert.equal(keyPath('labels', 'a-b'), 'labels["a-b"]');
    assert.equal(keyPath('', 'version'), 'version');
  });
});
