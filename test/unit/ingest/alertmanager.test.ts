import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Severity } from '../../../router/alert.ts';
import { parseAlertmanager, severityFromLabel } from '../../../router/ingest/alertmanager.ts';
import { stableFingerprint } from '../../../router/ingest/common.ts';
import { INGEST_LIMITS } from '../../../router/ingest/limits.ts';
import { assertRejects, fixture, manyLabels } from './helpers.ts';

const NOW = new Date('2026-11-26T15:00:00Z');

/** The real Alertmanager 0.25 payload with its one alert replaced by `alert` merged over the original. */
function withAlert(alert: Record<string, unknown>): Record<string, unknown> {
  const payload = fixture('alertmanager-0.25-webhook.json');
  const original = (payload['alerts'] as Record<string, unknown>[])[0];
  payload['alerts'] = [{ ...original, ...alert }];
  return payload;
}

/** The real payload with `second` appended to its alerts. */
function withSecondAlert(second: unknown): Record<string, unknown> {
  const payload = fixture('alertmanager-0.25-webhook.json');
  (payload['alerts'] as unknown[]).push(second);
  return payload;
}

describe('parseAlertmanager: the real 0.25 payload', () => {
  it('maps the captured firing alert', () => {
    const result = parseAlertmanager(fixture('alertmanager-0.25-webhook.json'), NOW);
    assert.equal(result.truncated, 0);
    assert.deepEqual(result.alerts, [
      {
        source: 'alertmanager',
        fingerprint: 'c5d80318c4ca3a3b',
        status: 'firing',
        severity: 'warning',
        summary: 'Synthetic alert 2 for benchmarking',
        labels: {
          alertname: 'BenchAlert2',
          env: 'bench',
          instance: 'host-2.example:9100',
          job: 'node',
          run: 'byname_gw1-0',
          severity: 'warning',
        },
        annotations: {
          description: 'Instance host is over threshold for more than 5 minutes (synthetic).',
          sent_at: '1795704426513',
          summary: 'Synthetic alert 2 for benchmarking',
          generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up%3D%3D0&idx=2',
        },
        startsAt: '2026-11-26T14:47:06.513Z',
      },
    ]);
  });

  it('leaves endsAt unset on a firing alert (Go zero time 0001-01-01 means unset)', () => {
    const [alert] = parseAlertmanager(fixture('alertmanager-0.25-webhook.json'), NOW).alerts;
    assert.equal(alert?.endsAt, undefined);
  });

  it('maps a resolved alert with its endsAt', () => {
    const payload = withAlert({ status: 'resolved', endsAt: '2026-11-26T14:52:06.513456789Z' });
    const [alert] = parseAlertmanager(payload, NOW).alerts;
    assert.equal(alert?.status, 'resolved');
    assert.equal(alert?.endsAt, '2026-11-26T14:52:06.513Z');
  });

  it('ends a resolved alert at receipt when endsAt is the zero time', () => {
    const [alert] = parseAlertmanager(withAlert({ status: 'resolved' }), NOW).alerts;
    assert.equal(alert?.endsAt, NOW.toISOString());
  });

  it('reports truncatedAlerts', () => {
    const payload = fixture('alertmanager-0.25-webhook.json');
    payload['truncatedAlerts'] = 7;
    assert.equal(parseAlertmanager(payload, NOW).truncated, 7);
  });

  it('accepts timestamps with an offset', () => {
    const [alert] = parseAlertmanager(withAlert({ startsAt: '2026-11-26T15:47:06+01:00' }), NOW).alerts;
    assert.equal(alert?.startsAt, '2026-11-26T14:47:06.000Z');
  });

  it('stores every time as UTC with milliseconds, whatever form RFC 3339 allowed the sender', () => {
    for (const [sent, stored] of [
      ['2026-11-26T14:47:06.513Z', '2026-11-26T14:47:06.513Z'],
      ['2026-11-26T14:47:06.513249876Z', '2026-11-26T14:47:06.513Z'],
      ['2026-11-26t14:47:06.513z', '2026-11-26T14:47:06.513Z'],
      ['2026-11-26T14:47:06Z', '2026-11-26T14:47:06.000Z'],
      ['2026-11-26T14:47:06.5Z', '2026-11-26T14:47:06.500Z'],
      ['2026-11-26T16:47:06.513+02:00', '2026-11-26T14:47:06.513Z'],
    ]) {
      const [firing] = parseAlertmanager(withAlert({ startsAt: sent }), NOW).alerts;
      assert.equal(firing?.startsAt, stored, sent);
      const [resolved] = parseAlertmanager(withAlert({ status: 'resolved', endsAt: sent }), NOW).alerts;
      assert.equal(resolved?.endsAt, stored, sent);
    }
  });
});

describe('severityFromLabel', () => {
  const cases: [string | undefined, Severity, string][] = [
    ['critical', 'critical', 'Prometheus convention'],
    ['crit', 'critical', 'abbreviation'],
    ['page', 'critical', 'SRE-book style "page" severity'],
    ['disaster', 'critical', 'Zabbix name, for rules ported from Zabbix'],
    ['high', 'high', 'plain'],
    ['error', 'high', 'syslog-style'],
    ['major', 'high', 'ITSM-style'],
    ['warning', 'warning', 'Prometheus convention'],
    ['warn', 'warning', 'abbreviation'],
    ['average', 'warning', 'Zabbix name'],
    ['minor', 'warning', 'ITSM-style'],
    ['info', 'info', 'Prometheus convention'],
    ['information', 'info', 'long form'],
    ['informational', 'info', 'syslog-style'],
    ['low', 'info', 'plain'],
    ['none', 'info', 'kube-prometheus Watchdog/InfoInhibitor use severity=none'],
    ['CRITICAL', 'critical', 'case does not matter'],
    [' warning ', 'warning', 'surrounding spaces do not matter'],
    [undefined, 'warning', 'missing label: warning, documented default'],
    ['P1', 'warning', 'unknown value: warning, documented default'],
    ['constructor', 'warning', 'an Object.prototype name is just an unknown value'],
  ];
  for (const [label, expected, why] of cases) {
    it(`${JSON.stringify(label)} -> ${expected} (${why})`, () => assert.equal(severityFromLabel(label), expected));
  }
});

describe('parseAlertmanager: summary and fingerprint', () => {
  it('uses summary, then description, then alertname, then the fingerprint', () => {
    const summaryOf = (annotations: Record<string, string>, labels: Record<string, string>) =>
      parseAlertmanager(withAlert({ annotations, labels }), NOW).alerts[0]?.summary;
    // summary annotation wins
    assert.equal(summaryOf({ summary: 'S', description: 'D' }, { alertname: 'A' }), 'S');
    // no summary: description
    assert.equal(summaryOf({ description: 'D' }, { alertname: 'A' }), 'D');
    // blank summary counts as missing
    assert.equal(summaryOf({ summary: '  ', description: 'D' }, { alertname: 'A' }), 'D');
    // no annotations at all: the alert name
    assert.equal(summaryOf({}, { alertname: 'A' }), 'A');
    // nothing readable: name the alert by fingerprint
    assert.equal(summaryOf({}, {}), 'Alertmanager alert c5d80318c4ca3a3b');
  });

  it('truncates a long summary instead of rejecting it', () => {
    const [alert] = parseAlertmanager(withAlert({ annotations: { summary: 'x'.repeat(5000) } }), NOW).alerts;
    assert.equal(alert?.summary.length, INGEST_LIMITS.maxSummaryLength);
    assert.match(alert?.summary ?? '', /… \[truncated \d+ bytes\]$/);
  });

  it('computes a stable fingerprint from the sorted labels when Alertmanager sent none', () => {
    const a = parseAlertmanager(withAlert({ fingerprint: undefined, labels: { b: '2', a: '1' } }), NOW).alerts[0];
    const b = parseAlertmanager(withAlert({ fingerprint: '', labels: { a: '1', b: '2' } }), NOW).alerts[0];
    assert.equal(a?.fingerprint, stableFingerprint({ a: '1', b: '2' }));
    assert.equal(a?.fingerprint, b?.fingerprint);
    assert.match(a?.fingerprint ?? '', /^[0-9a-f]{16}$/);
  });

  it('sanitises label names that Prometheus 3 allows (UTF-8) but Switchboard matchers do not', () => {
    const [alert] = parseAlertmanager(withAlert({ labels: { 'service.name': 'api', alertname: 'X' } }), NOW).alerts;
    assert.deepEqual(alert?.labels, { alertname: 'X', service_name: 'api' });
  });
});

describe('parseAlertmanager: rejects malformed payloads with the field at fault', () => {
  const cases: [string, () => unknown, string, string | RegExp][] = [
    ['null body', () => null, '', 'got null'],
    ['array body', () => [], '', 'got an array'],
    ['number body', () => 4, '', 'got a number'],
    [
      'version 3',
      () => ({ ...fixture('alertmanager-0.25-webhook.json'), version: '3' }),
      'version',
      '"3" is not supported',
    ],
    [
      'numeric version',
      () => ({ ...fixture('alertmanager-0.25-webhook.json'), version: 4 }),
      'version',
      'not supported',
    ],
    ['no version', () => ({ alerts: [] }), 'version', 'missing'],
    ['alerts not an array', () => ({ version: '4', alerts: {} }), 'alerts', 'got an object'],
    ['alert is garbage', () => ({ version: '4', alerts: [1] }), 'alerts[0]', 'got a number'],
    ['second alert null', () => withSecondAlert(null), 'alerts[1]', 'got null'],
    ['labels missing', () => withAlert({ labels: undefined }), 'alerts[0].labels', 'required'],
    ['labels an array', () => withAlert({ labels: [['a', 'b']] }), 'alerts[0].labels', 'got an array'],
    ['label value a number', () => withAlert({ labels: { host: 3 } }), 'alerts[0].labels.host', 'must be a string'],
    ['odd label name in path', () => withAlert({ labels: { 'a-b': null } }), 'alerts[0].labels["a-b"]', 'got null'],
    ['10k labels', () => withAlert({ labels: manyLabels(10_000) }), 'alerts[0].labels', 'has 10000 labels'],
    [
      'annotation not a string',
      () => withAlert({ annotations: { summary: [] } }),
      'alerts[0].annotations.summary',
      'an array',
    ],
    ['status missing', () => withAlert({ status: undefined }), 'alerts[0].status', 'required'],
    ['status unknown', () => withAlert({ status: 'pending' }), 'alerts[0].status', '"pending"'],
    ['startsAt not a date', () => withAlert({ startsAt: 'yesterday' }), 'alerts[0].startsAt', 'RFC 3339'],
    ['startsAt 30 February', () => withAlert({ startsAt: '2026-02-30T00:00:00Z' }), 'alerts[0].startsAt', 'RFC 3339'],
    ['startsAt without offset', () => withAlert({ startsAt: '2026-11-26T14:00:00' }), 'alerts[0].startsAt', 'RFC 3339'],
    ['startsAt a number', () => withAlert({ startsAt: 1795704426 }), 'alerts[0].startsAt', 'got a number'],
    ['fingerprint an object', () => withAlert({ fingerprint: {} }), 'alerts[0].fingerprint', 'must be a string'],
    ['fingerprint too long', () => withAlert({ fingerprint: 'f'.repeat(300) }), 'alerts[0].fingerprint', '300'],
    ['truncatedAlerts negative', () => ({ ...withAlert({}), truncatedAlerts: -1 }), 'truncatedAlerts', 'whole number'],
    ['too many alerts', () => ({ version: '4', alerts: Array(5001).fill(null) }), 'alerts', 'has 5001 alerts'],
  ];
  for (const [name, body, field, message] of cases) {
    it(name, () => {
      assertRejects(() => parseAlertmanager(body(), NOW), field, message);
    });
  }

  it('accepts Grafana Alerting\'s webhook (version "1" with orgId): its fingerprint and links', () => {
    const r = parseAlertmanager(fixture('grafana-11-webhook.json'), new Date('2026-01-01T00:00:00Z'));
    assert.equal(r.alerts.length, 1);
    const a = r.alerts[0];
    assert.equal(a?.fingerprint, 'c6eadffa33fcdf37');
    assert.equal(a?.summary, 'This alert was triggered for zone us-1');
    assert.equal(a?.labels['alertname'], 'High memory usage');
    assert.equal(a?.annotations['dashboardURL'], 'https://play.grafana.org/d/abc123');
    assert.equal(a?.annotations['panelURL'], 'https://play.grafana.org/d/abc123?viewPanel=2');
    assert.match(a?.annotations['silenceURL'] ?? '', /^https:\/\/play\.grafana\.org\/alerting\/silence\/new/);
    assert.equal(a?.annotations['generatorURL'], 'https://play.grafana.org/alerting/1afz29v7z/edit');
    // Version "1" without Grafana's orgId is still an unknown Alertmanager version.
    const { orgId: _orgId, ...noOrg } = fixture('grafana-11-webhook.json') as Record<string, unknown>;
    assert.throws(() => parseAlertmanager(noOrg, new Date()), /version/);
  });
});
