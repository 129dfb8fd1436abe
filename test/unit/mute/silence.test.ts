import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expireSilence, type Silence, SilenceMuter, silenceState } from '../../../router/mute/silence.ts';
import { firing, ms } from './helpers.ts';

const t = Date.parse;

function silence(over: Partial<Silence> = {}): Silence {
  return {
    id: 's1',
    tenant: 'acme',
    matchers: ms('alertname="DiskFull"', 'instance=~"db0[1-3]"'),
    startsAt: '2026-03-09T10:00:00.000Z',
    endsAt: '2026-03-09T12:00:00.000Z',
    createdBy: 'jane',
    comment: 'replacing disks',
    createdAt: '2026-03-09T09:55:00.000Z',
    updatedAt: '2026-03-09T09:55:00.000Z',
    expiredBy: null,
    ...over,
  };
}

describe('silenceState', () => {
  const cases: [string, string][] = [
    ['2026-03-09T09:59:59Z', 'pending'],
    ['2026-03-09T10:00:00Z', 'active'],
    ['2026-03-09T11:59:59Z', 'active'],
    ['2026-03-09T12:00:00Z', 'expired'],
  ];
  for (const [now, state] of cases) {
    it(`${now} is ${state}`, () => assert.equal(silenceState(silence(), t(now)), state));
  }
});

describe('silenceState does not wait for the clock of a replica behind the one that took the request', () => {
  // Created and expired on a replica whose clock ran 3 s ahead of this one's.
  const ahead = silence({ startsAt: '2026-03-09T10:00:03.000Z', createdAt: '2026-03-09T10:00:03.000Z' });
  it('a silence that started at its creation is active here at once', () => {
    assert.equal(silenceState(ahead, t('2026-03-09T10:00:01Z')), 'active');
  });
  it('a silence expired by a person is over here at once', () => {
    const expired = expireSilence(ahead, t('2026-03-09T10:30:03Z'), 'jane');
    assert.equal(silenceState(expired, t('2026-03-09T10:30:01Z')), 'expired');
  });
  it('a silence with a later start still waits for it', () => {
    assert.equal(silenceState(silence(), t('2026-03-09T09:59:59Z')), 'pending');
  });
  it('the muter applies both at once', () => {
    const labels = { alertname: 'DiskFull', instance: 'db01' };
    const now = t('2026-03-09T10:00:01Z');
    assert.equal(new SilenceMuter([ahead]).mutes(firing({ tenant: 'acme', labels }), now)?.reason, 'silence');
    const expired = expireSilence(ahead, t('2026-03-09T10:00:04Z'), 'jane');
    assert.equal(new SilenceMuter([expired]).mutes(firing({ tenant: 'acme', labels }), now), null);
  });
});

describe('SilenceMuter', () => {
  const cases: {
    name: string;
    silences: Silence[];
    labels?: Record<string, string>;
    tenant?: string;
    now: string;
    until: string | null;
  }[] = [
    { name: 'active and matching', silences: [silence()], now: '2026-03-09T11:00Z', until: '2026-03-09T12:00Z' },
    { name: 'pending', silences: [silence()], now: '2026-03-09T09:00Z', until: null },
    { name: 'ended', silences: [silence()], now: '2026-03-09T12:00Z', until: null },
    {
      name: 'regex fully anchored: db010 does not match db0[1-3]',
      silences: [silence()],
      labels: { alertname: 'DiskFull', instance: 'db010' },
      now: '2026-03-09T11:00Z',
      until: null,
    },
    {
      name: 'one matcher of two fails',
      silences: [silence()],
      labels: { alertname: 'CpuHigh', instance: 'db01' },
      now: '2026-03-09T11:00Z',
      until: null,
    },
    {
      name: "another tenant's silence never applies",
      silences: [silence({ tenant: 'globex' })],
      now: '2026-03-09T11:00Z',
      until: null,
    },
    {
      name: 'tenant-scoped: the same silence, alert of another tenant',
      silences: [silence()],
      tenant: 'globex',
      now: '2026-03-09T11:00Z',
      until: null,
    },
    {
      name: 'several match: until is the latest end',
      silences: [
        silence(),
        silence({ id: 's2', endsAt: '2026-03-09T15:00:00Z' }),
        silence({ id: 's3', endsAt: '2026-03-09T13:00:00Z' }),
      ],
      now: '2026-03-09T11:00Z',
      until: '2026-03-09T15:00Z',
    },
    {
      name: 'an expired silence (endsAt set to the expiry) no longer mutes',
      silences: [expireSilence(silence(), t('2026-03-09T10:30Z'), 'admin')],
      now: '2026-03-09T11:00Z',
      until: null,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const alert = firing({
        tenant: c.tenant ?? 'acme',
        labels: c.labels ?? { alertname: 'DiskFull', instance: 'db02' },
      });
      const v = new SilenceMuter(c.silences).mutes(alert, t(c.now));
      if (c.until === null) assert.equal(v, null);
      else {
        assert.equal(v?.reason, 'silence');
        assert.equal(v?.until, t(c.until));
      }
    });
  }

  it('the detail names the silence, its author, matchers and comment', () => {
    const v = new SilenceMuter([silence()]).mutes(
      firing({ labels: { alertname: 'DiskFull', instance: 'db01' } }),
      t('2026-03-09T11:00Z'),
    );
    assert.equal(
      v?.detail,
      'silence s1 by jane (alertname="DiskFull", instance=~"db0[1-3]") until 2026-03-09T12:00Z: replacing disks',
    );
  });
});

describe('expireSilence', () => {
  it('ends an active silence now and records who did it', () => {
    const e = expireSilence(silence(), t('2026-03-09T10:30Z'), 'admin');
    assert.equal(e.endsAt, '2026-03-09T10:30:00.000Z');
    assert.equal(e.startsAt, '2026-03-09T10:00:00.000Z');
    assert.equal(e.expiredBy, 'admin');
    assert.equal(silenceState(e, t('2026-03-09T10:30Z')), 'expired');
  });

  it('a pending silence never starts', () => {
    const e = expireSilence(silence(), t('2026-03-09T09:00Z'), 'jane');
    assert.equal(e.startsAt, '2026-03-09T09:00:00.000Z');
    assert.equal(e.endsAt, '2026-03-09T09:00:00.000Z');
    assert.equal(silenceState(e, t('2026-03-09T09:00Z')), 'expired');
  });

  it('an expired silence stays as it ended', () => {
    const s = silence();
    assert.equal(expireSilence(s, t('2026-03-10T00:00Z'), 'jane'), s);
  });
});
