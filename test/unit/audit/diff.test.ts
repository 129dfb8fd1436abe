import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configDiff } from '../../../router/audit/diff.ts';
import type { RouterConfig } from '../../../router/config/compiled.ts';

const config = (over: Partial<Record<keyof RouterConfig, unknown>> = {}): RouterConfig =>
  ({
    hash: 'h',
    tenants: { acme: { name: 'acme', namespace: 'msp', ingestTokenSha256: 'aa' } },
    serviceLevels: { gold: { name: 'gold', namespace: 'msp' } },
    schedules: {},
    policies: {},
    responders: {},
    channels: {},
    maintenanceWindows: [{ name: 'patch', namespace: 'msp', tenant: 'acme' }],
    ...over,
  }) as unknown as RouterConfig;

describe('configDiff', () => {
  it('names added, removed and changed resources by kind/namespace/name, never values', () => {
    const before = config();
    const after = config({
      tenants: {
        acme: { name: 'acme', namespace: 'msp', ingestTokenSha256: 'bb' },
        globex: { name: 'globex', namespace: 'msp', ingestTokenSha256: 'cc' },
      },
      serviceLevels: {},
    });
    const d = configDiff(before, after);
    assert.deepEqual(d, {
      added: ['Tenant/msp/globex'],
      removed: ['ServiceLevel/msp/gold'],
      changed: ['Tenant/msp/acme'],
    });
    assert.doesNotMatch(JSON.stringify(d), /bb|cc/);
  });
  it('an equal config changes nothing; from nothing, everything is added', () => {
    assert.deepEqual(configDiff(config(), config()), { added: [], removed: [], changed: [] });
    assert.deepEqual(configDiff(null, config()).added, [
      'MaintenanceWindow/msp/patch',
      'ServiceLevel/msp/gold',
      'Tenant/msp/acme',
    ]);
  });
});
