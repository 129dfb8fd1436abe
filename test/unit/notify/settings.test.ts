// Router notification settings from the environment: the claim lease (SWITCHBOARD_NOTIFY_LEASE_MS).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEASE_MS, sendDeadline } from '../../../router/escalation/log.ts';
import { notifySettingsFromEnv, settingsProblems } from '../../../router/notify/settings.ts';

const KEY = { SWITCHBOARD_SIGNING_KEY: 'k'.repeat(32), SWITCHBOARD_PUBLIC_URL: 'https://sb.example' };

describe('notify settings: the claim lease', () => {
  it('defaults to 120 s, with a 15 s margin for the send deadline', () => {
    const s = notifySettingsFromEnv({});
    assert.equal(s.leaseMs, LEASE_MS);
    assert.equal(LEASE_MS, 120_000);
    assert.equal(sendDeadline(0, s.leaseMs), 105_000);
    assert.deepEqual(settingsProblems(notifySettingsFromEnv(KEY)), []);
  });

  it('SWITCHBOARD_NOTIFY_LEASE_MS shortens it; the margin is then a quarter of it', () => {
    const s = notifySettingsFromEnv({
      ...KEY,
      SWITCHBOARD_NOTIFY_LEASE_MS: '6000',
      SWITCHBOARD_NOTIFY_TIMEOUT_MS: '1500',
    });
    assert.equal(s.leaseMs, 6_000);
    assert.equal(sendDeadline(1_000, s.leaseMs), 5_500);
    assert.deepEqual(settingsProblems(s), []);
  });

  it('an invalid value keeps the default; a lease too short for the request timeout is reported', () => {
    assert.equal(notifySettingsFromEnv({ SWITCHBOARD_NOTIFY_LEASE_MS: 'soon' }).leaseMs, LEASE_MS);
    assert.equal(notifySettingsFromEnv({ SWITCHBOARD_NOTIFY_LEASE_MS: '-5' }).leaseMs, LEASE_MS);
    const problems = settingsProblems(notifySettingsFromEnv({ ...KEY, SWITCHBOARD_NOTIFY_LEASE_MS: '5000' }));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /SWITCHBOARD_NOTIFY_LEASE_MS \(5000\) is too short/);
  });
});
