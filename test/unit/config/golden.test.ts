// Golden test: the compiled examples/msp, committed as JSON. A change to the compiler or the example
// shows up here as a diff to review; regenerate with UPDATE_GOLDEN=1.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TokenIndex } from '../../../router/api/auth.ts';
import { compile } from '../../../router/config/compile/index.ts';
import type { RouterConfig } from '../../../router/config/compiled.ts';
import { ConfigHolder } from '../../../router/config/holder.ts';
import { loadManifests } from '../../../router/config/manifest.ts';
import { ROOT } from '../../harness/tools.ts';

const GOLDEN = join(ROOT, 'test/fixtures/golden/msp.json');

describe('compiled examples/msp', () => {
  it('matches the golden file', () => {
    const loaded = loadManifests([join(ROOT, 'examples/msp')]);
    assert.deepEqual(loaded.errors, []);
    const r = compile(loaded.resources);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors.slice(0, 3)));
    const text = `${JSON.stringify(r.config, null, 2)}\n`;
    if (process.env['UPDATE_GOLDEN']) writeFileSync(GOLDEN, text);
    assert.equal(text, readFileSync(GOLDEN, 'utf8'), 'compiled config changed: review, then UPDATE_GOLDEN=1');
  });

  it("feeds back through the router's own loading: holder, token index and routing work from it", () => {
    const config = JSON.parse(readFileSync(GOLDEN, 'utf8')) as RouterConfig;
    const holder = new ConfigHolder();
    assert.equal(holder.set(config, 7, 0), true);
    const tokens = new TokenIndex({ adminTokenSha256: null, sharedTokenSha256: null });
    tokens.rebuild(config);
    assert.deepEqual(tokens.resolve('acme-ingest-token-change-me'), { kind: 'tenant', tenant: 'acme' });
    assert.equal(tokens.resolve('not-a-token'), null);
    const acme = holder.tenant('acme');
    assert.ok(acme && acme.serviceLevel in config.serviceLevels && acme.escalationPolicy in config.policies);
  });
});
