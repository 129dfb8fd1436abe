import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { countSuppressed, createSuppressedCounter } from '../../../router/mute/metrics.ts';
import { MUTE_REASONS, type MuteReason, type Muter, muteAll } from '../../../router/mute/muter.ts';
import { firing } from './helpers.ts';

const NOW = Date.parse('2026-03-09T10:00Z');

/** A muter that mutes everything (or nothing) and records that it was asked. */
function fixed(reason: MuteReason, mutes: boolean, asked: MuteReason[] = []): Muter {
  return {
    reason,
    mutes: () => {
      asked.push(reason);
      return mutes ? { reason, detail: `${reason} detail`, until: null } : null;
    },
  };
}

describe('muteAll', () => {
  it('asks in the documented order, whatever order the muters come in, and stops at the first verdict', () => {
    const asked: MuteReason[] = [];
    const shuffled = [...MUTE_REASONS].reverse().map((r) => fixed(r, r === 'coverage', asked));
    assert.equal(muteAll(shuffled, firing(), NOW)?.reason, 'coverage');
    assert.deepEqual(asked, ['maintenance', 'silence', 'inhibited', 'coverage']);
  });

  const cases: { muting: MuteReason[]; first: MuteReason | null }[] = [
    { muting: [], first: null },
    { muting: ['storm', 'maintenance'], first: 'maintenance' },
    { muting: ['silence', 'inhibited'], first: 'silence' },
    { muting: ['flapping', 'coverage'], first: 'coverage' },
    { muting: ['storm', 'flapping'], first: 'flapping' },
    { muting: ['storm'], first: 'storm' },
  ];
  for (const c of cases) {
    it(`muting ${c.muting.join(' + ') || 'nothing'}: ${c.first ?? 'pages'}`, () => {
      const muters = MUTE_REASONS.map((r) => fixed(r, c.muting.includes(r)));
      assert.equal(muteAll(muters, firing(), NOW)?.reason ?? null, c.first);
    });
  }

  it('never mutes a resolved alert, so its incident always resolves', () => {
    const asked: MuteReason[] = [];
    const muters = MUTE_REASONS.map((r) => fixed(r, true, asked));
    assert.equal(muteAll(muters, { ...firing(), status: 'resolved' }, NOW), null);
    assert.deepEqual(asked, []);
  });
});

describe('switchboard_alerts_suppressed_total', () => {
  it('counts by tenant and the reason of the verdict', async () => {
    const registry = new Registry();
    const counter = createSuppressedCounter(registry);
    countSuppressed(counter, 'acme', { reason: 'maintenance', detail: '', until: null });
    countSuppressed(counter, 'acme', { reason: 'maintenance', detail: '', until: null });
    countSuppressed(counter, 'globex', { reason: 'storm', detail: '', until: null });
    const text = await registry.metrics();
    assert.match(text, /switchboard_alerts_suppressed_total\{tenant="acme",reason="maintenance"\} 2/);
    assert.match(text, /switchboard_alerts_suppressed_total\{tenant="globex",reason="storm"\} 1/);
  });
});
