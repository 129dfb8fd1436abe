// The image cannot be built here (no Docker engine); hadolint checks the Dockerfile, and these checks pin
// the properties the chart relies on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MALLOC_CONF } from '../harness/router.ts';
import { ROOT, toolPath } from '../harness/tools.ts';

describe('Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('passes hadolint', () => {
    const r = spawnSync(toolPath('hadolint'), ['--failure-threshold', 'warning', join(ROOT, 'Dockerfile')], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('is multi-stage, installs production dependencies only, and runs as a numeric non-root user', () => {
    assert.ok((text.match(/^FROM /gm) ?? []).length >= 2);
    assert.match(text, /npm ci --omit=dev/);
    assert.match(text, /^USER 65532:65532$/m);
    assert.match(text, /^ENTRYPOINT \["\/nodejs\/bin\/node", "\/app\/bin\/switchboard\.js"\]$/m);
  });

  it('runs the router on the malloc the benchmarks and tests run it with', () => {
    assert.match(text, /^COPY --from=allocator \/libjemalloc\.so\.2 \/usr\/lib\/libjemalloc\.so\.2$/m);
    assert.match(text, new RegExp(`^ENV LD_PRELOAD=/usr/lib/libjemalloc\\.so\\.2 MALLOC_CONF=${MALLOC_CONF}$`, 'm'));
  });
});
