// hadolint checks the Dockerfile, and these checks pin the properties the chart relies on; the image itself
// is built and run by test/integration/image.test.ts.
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

  it('copies every source folder tsconfig.build.json compiles into the build stage', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    const stage = text.slice(text.indexOf(' AS build'), text.indexOf('\nFROM ', text.indexOf(' AS build')));
    for (const folder of build.include) {
      assert.match(stage, new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'), `the build stage does not COPY ${folder}`);
    }
  });

  it('builds on Node.js 26 by default, and the bases can be swapped for local ones', () => {
    assert.match(text, /^ARG BUILD_BASE=node:26-trixie-slim$/m);
    assert.match(text, /^ARG RUNTIME_BASE=gcr\.io\/distroless\/nodejs26-debian13:nonroot$/m);
    assert.equal((text.match(/^FROM \$\{BUILD_BASE\} AS /gm) ?? []).length, 3);
    assert.match(text, /^FROM \$\{RUNTIME_BASE\}$/m);
  });

  it('labels the image (OCI source, version, licenses) and keeps the build context small', () => {
    for (const label of ['source', 'version', 'licenses']) {
      assert.match(text, new RegExp(`org\\.opencontainers\\.image\\.${label}=`));
    }
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    assert.match(ignore, /^\*$/m);
  });

  it('runs the router on the malloc the benchmarks and tests run it with', () => {
    assert.match(text, /^COPY --from=allocator \/libjemalloc\.so\.2 \/usr\/lib\/libjemalloc\.so\.2$/m);
    assert.match(text, new RegExp(`^ENV LD_PRELOAD=/usr/lib/libjemalloc\\.so\\.2 MALLOC_CONF=${MALLOC_CONF}$`, 'm'));
  });
});
