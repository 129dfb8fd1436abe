// A muting's detail is stored with the alert state: a silence's matchers and comment, which its tenant
// writes, must not grow it without bound (security review H2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MUTE_DETAIL_CHARS, muteAll } from '../../../router/mute/muter.ts';
import { type Silence, SilenceMuter } from '../../../router/mute/silence.ts';
import { firing, ms } from './helpers.ts';

const now = Date.parse('2026-03-09T11:00:00Z');

function silence(comment: string, ...matchers: string[]): Silence {
  return {
    id: 's1',
    tenant: 'acme',
    matchers: ms('alertname="DiskFull"', ...matchers),
    startsAt: '2026-03-09T10:00:00.000Z',
    endsAt: '2026-03-09T12:00:00.000Z',
    createdBy: 'customer',
    comment,
    createdAt: '2026-03-09T09:55:00.000Z',
    updatedAt: '2026-03-09T09:55:00.000Z',
    expiredBy: null,
  };
}

describe('the stored mute detail', () => {
  it('is cut to MAX_MUTE_DETAIL_CHARS however long the silence is', () => {
    const long = silence('C'.repeat(10_000), `z0!="${'A'.repeat(9_000)}"`);
    const v = muteAll([new SilenceMuter([long])], firing(), now);
    assert.equal(v?.reason, 'silence');
    assert.equal(v?.detail.length, MAX_MUTE_DETAIL_CHARS);
    assert.ok(v?.detail.startsWith('silence s1 by customer'), v?.detail);
    assert.ok(v?.detail.endsWith('…'));
  });

  it('is kept whole when short', () => {
    const v = muteAll([new SilenceMuter([silence('replacing disks')])], firing(), now);
    assert.match(v?.detail ?? '', /replacing disks$/);
  });
});
