import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stableFingerprint } from '../../../router/ingest/common.ts';
import { parseGeneric } from '../../../router/ingest/generic.ts';
import { INGEST_LIMITS } from '../../../router/ingest/limits.ts';
import { assertRejects, manyLabels } from './helpers.ts';

const NOW = new Date('2026-11-26T15:20:00Z');

describe('parseGeneric: accepted shapes', () => {
  it('fills defaults for a minimal alert', () => {
    assert.deepEqual(parseGeneric({ summary: 'Disk full on db01' }, NOW), {
      alerts: [
        {
          source: 'generic',
          fingerprint: stableFingerprint({}, 'Disk full on db01'),
          status: 'firing',
          severity: 'warning',
          summary: 'Disk full on db01',
          labels: {},
          annotations: {},
          startsAt: NOW.toISOString(),
        },
      ],
      truncated: 0,
    });
  });

  it('takes every field', () => {
    const [alert] = parseGeneric(
      {
        fingerprint: 'db01-disk',
        status: 'resolved',
        severity: 'critical',
        summary: 'Disk full on db01',
        labels: { host: 'db01', mount: '/var' },
        annotations: { 'runbook-url': 'https://runbooks.example/disk' },
        startsAt: '2026-11-26T15:00:00+01:00',
        endsAt: '2026-11-26T14:30:00Z',
      },
      NOW,
    ).alerts;
    assert.deepEqual(alert, {
      source: 'generic',
      fingerprint: 'db01-disk',
      status: 'resolved',
      severity: 'critical',
      summary: 'Disk full on db01',
      labels: { host: 'db01', mount: '/var' },
      annotations: { 'runbook-url': 'https://runbooks.example/disk' },
      startsAt: '2026-11-26T14:00:00.000Z',
      endsAt: '2026-11-26T14:30:00.000Z',
    });
  });

  it('takes an array of alerts', () => {
    const result = parseGeneric([{ summary: 'a' }, { summary: 'b', severity: 'info' }], NOW);
    assert.deepEqual(
      result.alerts.map((a) => [a.summary, a.severity]),
      [
        ['a', 'warning'],
        ['b', 'info'],
      ],
    );
  });

  it('each severity is accepted as is', () => {
    for (const severity of ['critical', 'high', 'warning', 'info'] as const) {
      assert.equal(parseGeneric({ summary: 's', severity }, NOW).alerts[0]?.severity, severity);
    }
  });

  it('the default fingerprint ignores label order and depends on labels and summary', () => {
    const fp = (body: unknown) => parseGeneric(body, NOW).alerts[0]?.fingerprint;
    const base = fp({ summary: 's', labels: { a: '1', b: '2' } });
    assert.equal(fp({ summary: 's', labels: { b: '2', a: '1' } }), base);
    assert.notEqual(fp({ summary: 't', labels: { a: '1', b: '2' } }), base);
    assert.notEqual(fp({ summary: 's', labels: { a: '1', b: '3' } }), base);
  });

  it('a resolved alert without endsAt ends at receipt; a firing one ignores endsAt', () => {
    assert.equal(parseGeneric({ summary: 's', status: 'resolved' }, NOW).alerts[0]?.endsAt, NOW.toISOString());
    assert.equal(parseGeneric({ summary: 's', endsAt: '2026-11-26T14:30:00Z' }, NOW).alerts[0]?.endsAt, undefined);
  });

  it('keeps a label value over the cap for caps.ts to cut (an alert is never lost for being large)', () => {
    const [alert] = parseGeneric({ summary: 's', labels: { a: 'v'.repeat(5000) } }, NOW).alerts;
    assert.equal(alert?.labels['a']?.length, 5000);
  });

  it('truncates a long summary and trims it', () => {
    const [alert] = parseGeneric({ summary: `  ${'x'.repeat(3000)}` }, NOW).alerts;
    assert.equal(alert?.summary.length, INGEST_LIMITS.maxSummaryLength);
  });
});

describe('parseGeneric: rejects malformed alerts with the field at fault', () => {
  const cases: [string, unknown, string, string | RegExp][] = [
    ['null', null, '', 'got null'],
    ['a number', 42, '', 'got a number'],
    ['a string', 'alert', '', 'got a string'],
    ['an empty array', [], '', 'empty array'],
    ['nested arrays', [[{ summary: 's' }]], '[0]', 'got an array'],
    ['array with garbage', [{ summary: 's' }, 'x'], '[1]', 'got a string'],
    ['summary missing', { labels: {} }, 'summary', 'required'],
    ['summary blank', { summary: '   ' }, 'summary', 'must not be empty'],
    ['summary a number', { summary: 5 }, 'summary', 'must be a string, got a number'],
    [
      'label value a number (in an array)',
      [{ summary: 'a' }, { summary: 'b' }, { summary: 'c', labels: { host: 3 } }],
      '[2].labels.host',
      'must be a string, got a number',
    ],
    ['labels null', { summary: 's', labels: null }, 'labels', 'got null'],
    ['labels an array', { summary: 's', labels: ['a'] }, 'labels', 'got an array'],
    [
      'invalid label name',
      { summary: 's', labels: { 'my-label': 'x' } },
      'labels["my-label"]',
      'not a valid label name',
    ],
    ['label name with digit first', { summary: 's', labels: { '1a': 'x' } }, 'labels["1a"]', 'not a valid label name'],
    ['reserved label name', { summary: 's', labels: { __name__: 'x' } }, 'labels.__name__', 'reserved'],
    ['10k labels', { summary: 's', labels: manyLabels(10_000) }, 'labels', 'has 10000 labels'],
    ['65 labels', { summary: 's', labels: manyLabels(65) }, 'labels', 'at most 64'],
    ['annotation value an object', { summary: 's', annotations: { x: {} } }, 'annotations.x', 'got an object'],
    ['annotation name empty', { summary: 's', annotations: { '': 'x' } }, 'annotations[""]', 'must not be empty'],
    ['status unknown', { summary: 's', status: 'open' }, 'status', '"firing" or "resolved"'],
    ['severity unknown', { summary: 's', severity: 'Critical' }, 'severity', 'must be one of'],
    ['severity a number', { summary: 's', severity: 1 }, 'severity', 'got 1'],
    ['startsAt garbage', { summary: 's', startsAt: 'now' }, 'startsAt', 'RFC 3339'],
    ['startsAt without offset', { summary: 's', startsAt: '2026-11-26T15:00:00' }, 'startsAt', 'with an offset'],
    ['startsAt a number', { summary: 's', startsAt: 1795705000 }, 'startsAt', 'got a number'],
    ['endsAt 25 o clock', { summary: 's', status: 'resolved', endsAt: '2026-11-26T25:00:00Z' }, 'endsAt', 'RFC 3339'],
    ['fingerprint empty', { summary: 's', fingerprint: '' }, 'fingerprint', 'must not be empty'],
    ['fingerprint a number', { summary: 's', fingerprint: 7 }, 'fingerprint', 'must be a string'],
    ['unknown field (typo)', { summary: 's', severty: 'high' }, 'severty', 'not a field'],
    ['too many alerts', Array(5001).fill({ summary: 's' }), '', 'has 5001 alerts'],
  ];
  for (const [name, body, field, message] of cases) {
    it(name, () => {
      assertRejects(() => parseGeneric(body, NOW), field, message);
    });
  }

  it('a label name over 256 characters, shown shortened in the path', () => {
    const name = `a${'b'.repeat(300)}`;
    const error = assertRejects(
      () => parseGeneric({ summary: 's', labels: { [name]: 'v' } }, NOW),
      `labels["${name.slice(0, 100)}..."]`,
      'label name is 301 characters long',
    );
    assert.ok(error.message.length < 300);
  });
});
