// Local / GitOps mode: the router reloads its folder on file changes and SIGHUP, atomically, and keeps
// the config in force when a change does not compile.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningRouter } from '../../router/main.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { api, copyConfig, startTestRouter } from '../harness/router.ts';

let nats: NatsServer;
let router: RunningRouter;
let dir: string;
const file = () => join(dir, 'config.yaml');

before(async () => {
  nats = await NatsServer.start();
  dir = copyConfig();
  router = await startTestRouter(nats.url, { configDir: dir });
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const revision = () => router.ctx.config.get()?.revision;

describe('config reload', () => {
  it('applies a valid change to a file', async () => {
    writeFileSync(file(), readFileSync(file(), 'utf8').replace('displayName: Acme GmbH', 'displayName: Acme AG'));
    await waitFor('revision 2', async () => revision() === 2);
    assert.equal(router.ctx.config.tenant('acme')?.displayName, 'Acme AG');
  });

  it('rejects a change that does not compile and keeps the config in force', async () => {
    const good = readFileSync(file(), 'utf8');
    writeFileSync(
      file(),
      good.replace(
        'serviceLevel: gold\n  escalationPolicy: default\n  timezone: Europe/Berlin',
        'serviceLevel: platinum\n  escalationPolicy: default\n  timezone: Europe/Berlin',
      ),
    );
    await waitFor('rejection counted', async () => {
      const m = await (await fetch(`${router.url}/metrics`)).text();
      return /switchboard_config_reloads_total\{outcome="rejected"\} [1-9]/.test(m);
    });
    assert.equal(revision(), 2);
    assert.equal(router.ctx.config.tenant('acme')?.serviceLevel, 'test/gold');
    // Ingest keeps working on the old config.
    const r = await api(router.url, 'acme-token').post('/api/v1/alerts', {
      summary: 'still here',
      labels: { alertname: 'Reload' },
    });
    assert.equal(r.status, 202);
    writeFileSync(file(), good);
  });

  it('reloads on SIGHUP (tokens included)', async () => {
    const before = revision() ?? 0;
    // Change the file and signal at once; the SIGHUP reload and the file-change reload agree.
    writeFileSync(file(), readFileSync(file(), 'utf8').replace('acme: acme-token', 'acme: acme-rotated-token'));
    process.kill(process.pid, 'SIGHUP');
    await waitFor('new revision', async () => (revision() ?? 0) > before);
    assert.equal((await api(router.url, 'acme-token').post('/api/v1/alerts', { summary: 'x' })).status, 401);
    assert.equal((await api(router.url, 'acme-rotated-token').post('/api/v1/alerts', { summary: 'x' })).status, 202);
  });
});
