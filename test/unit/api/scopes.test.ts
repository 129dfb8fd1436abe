// The scope matrix (docs/api.md#token-scopes): every principal kind against every action.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../../router/api/auth.ts';
import { principalName, TokenIndex } from '../../../router/api/auth.ts';
import { ACTIONS, type Action, decide } from '../../../router/api/scopes.ts';
import { sha256 } from '../../../router/config/compile/tenant.ts';
import type { RouterConfig } from '../../../router/config/compiled.ts';

const PRINCIPALS: Record<string, Principal> = {
  admin: { kind: 'admin' },
  shared: { kind: 'shared' },
  ingest: { kind: 'tenant', tenant: 'acme' },
  responder: { kind: 'responder', tenant: 'acme' },
  viewer: { kind: 'viewer', tenant: 'acme' },
};

/** Expected: which actions each principal kind may do on its own tenant. */
const ALLOWED: Record<string, Action[]> = {
  admin: [...ACTIONS],
  shared: ['alerts.send', 'heartbeats.ping'],
  ingest: ['alerts.send', 'heartbeats.ping'],
  responder: ['status.read', 'reports.read', 'incidents.read', 'incidents.act', 'silences.manage'],
  viewer: ['status.read', 'reports.read'],
};

describe('token scopes', () => {
  for (const [name, p] of Object.entries(PRINCIPALS)) {
    for (const action of ACTIONS) {
      const expected = ALLOWED[name]?.includes(action) ?? false;
      it(`${name} ${expected ? 'may' : 'may not'} ${action}`, () => {
        const d = decide(p, action, 'acme');
        assert.equal(d.allowed, expected, JSON.stringify(d));
        if (!d.allowed) assert.match(d.error, /needs an? (ingest|viewer|responder) token/);
      });
    }
  }

  it('a tenant token never acts on another tenant', () => {
    for (const name of ['ingest', 'responder', 'viewer']) {
      for (const action of ACTIONS) {
        assert.equal(decide(PRINCIPALS[name] as Principal, action, 'globex').allowed, false, `${name} ${action}`);
      }
    }
    assert.equal(decide({ kind: 'admin' }, 'incidents.act', 'globex').allowed, true);
  });

  it('the error names the token kind needed', () => {
    const d = decide({ kind: 'tenant', tenant: 'acme' }, 'incidents.act');
    assert.deepEqual(d, {
      allowed: false,
      error: 'incidents.act needs a responder token or the admin token; this is an ingest token',
    });
    assert.deepEqual(decide({ kind: 'viewer', tenant: 'acme' }, 'alerts.send'), {
      allowed: false,
      error: 'alerts.send needs an ingest token or the admin token; this is a viewer token',
    });
  });

  it('principal names recorded on events', () => {
    assert.equal(principalName({ kind: 'admin' }), 'admin');
    assert.equal(principalName({ kind: 'tenant', tenant: 'acme' }), 'tenant:acme:ingest');
    assert.equal(principalName({ kind: 'responder', tenant: 'acme' }), 'tenant:acme:responder');
  });

  it('a tenant token equal to the admin token (set in the environment) opens nothing', () => {
    const tenant = (ingest: string) => ({
      name: 'acme',
      ingestTokenSha256: sha256(ingest),
      responderTokenSha256: sha256('acme-responder'),
      statusPage: { viewerTokenSha256: null },
    });
    const index = new TokenIndex({
      adminTokenSha256: Buffer.from(sha256('admin-secret'), 'hex'),
      sharedTokenSha256: null,
    });
    index.rebuild({ tenants: { acme: tenant('admin-secret') } } as unknown as RouterConfig);
    assert.equal(index.resolve('admin-secret'), null);
    assert.deepEqual(index.resolve('acme-responder'), { kind: 'responder', tenant: 'acme' });
    index.rebuild({ tenants: { acme: tenant('acme-ingest') } } as unknown as RouterConfig);
    assert.deepEqual(index.resolve('admin-secret'), { kind: 'admin' });
    assert.deepEqual(index.resolve('acme-ingest'), { kind: 'tenant', tenant: 'acme' });
  });
});
