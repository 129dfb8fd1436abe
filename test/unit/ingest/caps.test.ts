import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capAlert, capLabelValue, MAX_CAPPED_BYTES } from '../../../router/ingest/caps.ts';
import { INGEST_LIMITS } from '../../../router/ingest/limits.ts';

const MARKER = /… \[truncated \d+ bytes\]$/;
const alert = (over: Partial<Parameters<typeof capAlert>[0]> = {}) => ({
  summary: 'disk full',
  labels: { alertname: 'DiskFull', instance: 'h1' },
  annotations: { description: 'the disk is full' },
  ...over,
});

describe('capAlert', () => {
  it('returns an alert within the caps as it is (no copy, no truncated list)', () => {
    const a = alert();
    assert.equal(capAlert(a), a);
  });

  it('cuts a long summary to PagerDuty’s 1,024 characters, marked and listed', () => {
    const out = capAlert(alert({ summary: 's'.repeat(5_000) }));
    assert.equal(out.summary.length, INGEST_LIMITS.maxSummaryLength);
    assert.match(out.summary, MARKER);
    assert.deepEqual(out.truncated, ['summary']);
  });

  it('cuts each annotation value, then all of them to the total budget in name order', () => {
    const out = capAlert(
      alert({
        annotations: {
          a: 'a'.repeat(10_000),
          b: 'b'.repeat(4_000),
          c: 'c'.repeat(4_000),
          d: 'd'.repeat(4_000),
          e: 'e'.repeat(4_000),
          z: 'short',
        },
      }),
    );
    const total = Object.values(out.annotations).reduce((n, v) => n + Buffer.byteLength(v), 0);
    assert.ok(total <= INGEST_LIMITS.maxAnnotationBytes + 6 * 64, `total ${total}`);
    assert.equal(out.annotations['a']?.length, INGEST_LIMITS.maxAnnotationValueLength);
    assert.equal(out.annotations['b'], 'b'.repeat(4_000), 'within both caps');
    assert.match(out.annotations['e'] ?? '', MARKER);
    assert.ok(out.truncated?.includes('annotations.a') && out.truncated.includes('annotations.e'));
    assert.ok(!out.truncated?.includes('annotations.b'));
  });

  it('cuts a long label value with a hash, so two values sharing a prefix stay two alerts', () => {
    const prefix = 'p'.repeat(2_000);
    const a = capLabelValue(`${prefix}a`);
    const b = capLabelValue(`${prefix}b`);
    assert.equal(a.length, INGEST_LIMITS.maxLabelValueLength);
    assert.match(a, /… \[truncated \d+ bytes, sha256 [0-9a-f]{16}\]$/);
    assert.notEqual(a, b);
    const out = capAlert(alert({ labels: { alertname: 'X', blob: `${prefix}a` } }));
    assert.equal(out.labels['blob'], a);
    assert.deepEqual(out.truncated, ['labels.blob']);
  });

  it('cuts label values to their total budget, each cut one keeping its hash', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 12; i++) labels[`l${i.toString().padStart(2, '0')}`] = `${i}`.repeat(1_000);
    const out = capAlert(alert({ labels }));
    const total = Object.values(out.labels).reduce((n, v) => n + Buffer.byteLength(v), 0);
    assert.ok(total <= INGEST_LIMITS.maxLabelValueBytes + 12 * 64, `total ${total}`);
    assert.equal(out.labels['l00'], labels['l00'], 'the first names keep their values');
    assert.match(out.labels['l11'] ?? '', /sha256 [0-9a-f]{16}\]$/);
    assert.ok(out.truncated?.includes('labels.l11'));
  });

  it('lists fields a parser or an older version already cut (they carry the marker)', () => {
    const out = capAlert(alert({ summary: 'disk… [truncated 12 bytes]' }));
    assert.deepEqual(out.truncated, ['summary']);
    assert.equal(out.summary, 'disk… [truncated 12 bytes]');
  });

  it('is idempotent', () => {
    const once = capAlert(alert({ summary: 'x'.repeat(9_000), note: 'n'.repeat(9_000) }));
    assert.equal(capAlert(once), once);
  });

  it('keeps a label named __proto__ a label', () => {
    const labels = JSON.parse(`{"__proto__":"${'v'.repeat(2_000)}"}`) as Record<string, string>;
    const out = capAlert(alert({ labels }));
    assert.equal(Object.getPrototypeOf(out.labels), Object.prototype);
    assert.equal(Object.keys(out.labels).length, 1);
  });

  it('bounds the largest possible alert by MAX_CAPPED_BYTES', () => {
    const labels: Record<string, string> = {};
    const annotations: Record<string, string> = {};
    for (let i = 0; i < INGEST_LIMITS.maxLabelsPerAlert; i++) {
      labels[`l${i}`.padEnd(INGEST_LIMITS.maxLabelNameLength, 'x')] = '€'.repeat(50_000);
      annotations[`a${i}`.padEnd(INGEST_LIMITS.maxLabelNameLength, 'x')] = '€'.repeat(50_000);
    }
    const out = capAlert({ summary: '€'.repeat(50_000), labels, annotations, note: '€'.repeat(50_000) });
    const bytes = Buffer.byteLength(JSON.stringify(out));
    assert.ok(bytes < MAX_CAPPED_BYTES, `${bytes} >= ${MAX_CAPPED_BYTES}`);
  });
});
