import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertState } from '../../../router/incidents/model.ts';
import { packText, unpackText } from '../../../router/incidents/packed-text.ts';

function alertState(i: number, extra: Partial<AlertState> = {}): AlertState {
  const at = new Date(Date.UTC(2026, 10, 27, 1, 35, 24, i % 1000)).toISOString();
  return {
    fingerprint: `c3a054b8adec${i.toString(16).padStart(4, '0')}`,
    source: 'alertmanager',
    status: 'firing',
    severity: 'warning',
    summary: `Disk of host-${i} is 93% full`,
    labels: { alertname: 'DiskFull', instance: `host-${i}.example:9100`, job: 'node', severity: 'warning' },
    annotations: {
      summary: `Disk of host-${i} is 93% full`,
      description: 'The root filesystem will be full within 4 hours at the current rate.',
      runbook_url: 'https://runbooks.example/disk-full',
    },
    startsAt: at,
    endsAt: null,
    changedAt: at,
    receivedAt: at,
    incidentId: `0mwyb7l3g83a${i.toString(16).padStart(7, '0')}`,
    flap: { changes: [Date.parse(at)], flappingSince: null, pagedFiringAt: null },
    muted: null,
    ...extra,
  };
}

describe('packed alert-state texts', () => {
  it('unpack to exactly the text packed', () => {
    for (const text of [
      '',
      '{}',
      JSON.stringify(alertState(1)),
      JSON.stringify(
        alertState(2, { summary: 'Zürich: Festplatte voll ✓ 🚨', labels: { ü: '\u0000\u0001\u001f\uffff' } }),
      ),
      // Keys in another order, and values holding a packed substring's text (escaped, as JSON has it).
      JSON.stringify({ status: 'firing', x: '","job":"', labels: { job: '"},"startsAt":"20' }, fingerprint: 'f' }),
      JSON.stringify(alertState(3, { annotations: { description: 'x'.repeat(10_000) + 'é'.repeat(3000) } })),
    ]) {
      assert.equal(unpackText(packText(text)), text);
    }
  });

  it('hold a typical alert state in at most 60 % of its text', () => {
    for (let i = 0; i < 50; i++) {
      const text = JSON.stringify(alertState(i * 7919));
      const packed = packText(text);
      assert.ok(packed.length <= text.length * 0.6, `${packed.length} of ${text.length} characters`);
      assert.equal(unpackText(packed), text);
    }
  });
});
