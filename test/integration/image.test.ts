// The container image: the Dockerfile builds (buildah, no Docker daemon), `switchboard version` runs in it,
// and a router container, run as the chart runs it (read-only root filesystem, uid 65532, no capabilities,
// /tmp a tmpfs), accepts an alert from the host and opens an incident in the test's nats-server.
// Prints progress and the build times: the first build of a run (cold on a fresh machine, from the layer
// cache afterwards) and a second build of the same inputs (always from the layer cache).
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  buildImage,
  type RunningContainer as Container,
  type ImageBases,
  imageBases,
  RunningContainer,
  runOnce,
} from '../harness/container.ts';
import { NatsServer } from '../harness/nats.ts';
import { listIncidents } from '../harness/outcome.ts';
import { freePort, waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, copyConfig, SHARED_TOKEN, TOKENS } from '../harness/router.ts';

const TAG = 'localhost/switchboard:test';
const log = (line: string) => console.log(`# image: ${line}`);

let bases: ImageBases;
let nats: NatsServer;
let router: Container | undefined;

before(async () => {
  bases = imageBases(log);
  nats = await NatsServer.start();
});

after(async () => {
  await router?.stop();
  await nats?.close();
});

test('the Dockerfile builds, and a second build of the same inputs comes from the layer cache', {
  timeout: 30 * 60_000,
}, async () => {
  const firstStarted = Date.now();
  const firstId = await buildImage(bases, TAG, log);
  const firstMs = Date.now() - firstStarted;
  const secondStarted = Date.now();
  const secondId = await buildImage(bases, TAG, () => undefined);
  const secondMs = Date.now() - secondStarted;
  log(`first build ${(firstMs / 1000).toFixed(1)} s, second (cached) build ${(secondMs / 1000).toFixed(1)} s`);
  // Every step came from the cache: the same image, layer for layer.
  assert.equal(secondId, firstId);
});

test('`switchboard version` runs in the image on the pinned Node.js', { timeout: 120_000 }, async () => {
  const out = await runOnce(bases, TAG, ['version'], log);
  assert.match(out, /^switchboard 0\.1\.0 \(node v26\.\d+\.\d+\)$/m);
});

test('a router container (read-only root, uid 65532) accepts an alert and opens an incident', {
  timeout: 180_000,
}, async () => {
  const config = copyConfig();
  // The container runs as uid 65532: the copied folder (mode 0700, the test's user) must be readable.
  chmodSync(config, 0o755);
  const port = await freePort();
  router = RunningContainer.start(
    bases,
    TAG,
    ['router', '--config', '/config', '--nats', nats.url, '--listen', `127.0.0.1:${port}`],
    {
      env: { SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN, SWITCHBOARD_SHARED_INGEST_TOKEN: SHARED_TOKEN },
      volumes: [`${config}:/config:ro`],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'router container ready',
    async () => {
      if (router?.exitCode !== null) throw new Error(`router container exited ${router?.exitCode}: ${router?.output}`);
      const r = await fetch(`${url}/readyz`).catch(() => null);
      return r?.status === 200;
    },
    120_000,
  );
  log('router container ready');
  const res = await fetch(`${url}/api/v1/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.acme}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      fingerprint: `image-${process.pid}`,
      summary: 'from the image test',
      labels: { alertname: 'ImageTest', instance: 'host-1' },
    }),
  });
  assert.equal(res.status, 202, await res.text());
  const incidents = await waitFor(
    'an incident for the alert',
    async () => {
      const list = await listIncidents(url);
      return list.length > 0 ? list : undefined;
    },
    60_000,
  );
  assert.equal(incidents.length, 1);
});
