// The bundled NATS as the chart renders it, run for real: `helm template` gives the nats.conf ConfigMap,
// the server's args and the router's environment; nats-server starts with exactly that config (its paths
// rewritten to a temporary folder, its ports to free ones), and a router with the chart's NATS settings
// (credentials from the Secret the values name, the storage budget derived from the volume) sets up its
// streams within max_file_store and accepts an alert. Needs `scripts/tools.sh helm`.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { splitStorageBudget } from '../../router/bus/storage-budget.ts';
import { ALERTS_STREAM, DEADLETTER_STREAM, EVENTS_STREAM } from '../../router/bus/subjects.ts';
import { type K8sObject, renderChart } from '../harness/helm.ts';
import { NatsServer } from '../harness/nats.ts';
import { freePort } from '../harness/ports.ts';
import { copyConfig, RouterProcess, TOKENS } from '../harness/router.ts';

/** The Secret the values point nats.auth.existingSecret at, as a cluster would hold it. */
const SECRETS: Record<string, Record<string, string>> = {
  'sb-nats': { user: 'switchboard', password: 'b0ttle-0f-ink' },
};

const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} not rendered`);
  return o;
};

/** A container's environment, Secret references resolved from SECRETS (and only the NATS settings). */
function natsEnv(container: {
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (!/^(SWITCHBOARD_NATS_|NATS_)/.test(e.name)) continue;
    const ref = e.valueFrom?.secretKeyRef;
    const v = ref ? SECRETS[ref.name]?.[ref.key] : e.value;
    assert.ok(v !== undefined, `${e.name}: no value (${JSON.stringify(e)})`);
    env[e.name] = v;
  }
  return env;
}

let nats: NatsServer | undefined;
let router: RouterProcess | undefined;
after(async () => {
  await router?.stop();
  await nats?.close();
});

describe('bundled NATS from the chart', { timeout: 120_000 }, () => {
  it('nats-server runs the rendered nats.conf; the router fits its streams in the store and accepts an alert', async () => {
    const { objects } = await renderChart({
      nats: { bundled: { enabled: true, storage: { size: '1Gi' } }, auth: { existingSecret: 'sb-nats' } },
    });
    const conf = find(objects, 'ConfigMap', 'sb-switchboard-nats-config').data['nats.conf'] as string;
    const sts = find(objects, 'StatefulSet', 'sb-switchboard-nats');
    const server = sts.spec.template.spec.containers[0];
    assert.deepEqual(server.args, ['-c', '/etc/nats/nats.conf']);
    const mount = server.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/etc/nats');
    const volume = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    assert.equal(volume.configMap.name, 'sb-switchboard-nats-config');
    const maxFileStore = Number(/max_file_store:\s*(\d+)/.exec(conf)?.[1]);
    assert.equal(maxFileStore, Math.floor(0.9 * 1024 ** 3), '90% of the 1Gi volume');

    // Exactly that config: only the store folder and the monitoring port become this machine's.
    assert.match(conf, /store_dir: "\/data"/);
    nats = await NatsServer.startWithConfig(
      conf.replace('"/data"', '"{{STORE}}"'),
      ['-m', String(await freePort())],
      natsEnv(server),
    );

    const deploy = find(objects, 'Deployment', 'sb-switchboard-router');
    const c = deploy.spec.template.spec.containers[0];
    const env = natsEnv(c);
    assert.equal(env['SWITCHBOARD_NATS_STORAGE_BUDGET'], String(Math.floor(0.8 * 1024 ** 3)));
    assert.equal(env['SWITCHBOARD_NATS_USER'], 'switchboard');
    const flag = (name: string) => c.args[c.args.indexOf(name) + 1] as string;
    // The chart's --replicas and --partitions; local config (the operator's snapshot is another test's).
    router = await RouterProcess.start(
      nats.url,
      copyConfig(),
      ['--replicas', flag('--replicas'), '--partitions', flag('--partitions')],
      env,
    );
    const res = await fetch(`${router.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.acme}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ fingerprint: 'chart-nats', summary: 'bundled', labels: { alertname: 'ChartNats' } }]),
    });
    assert.equal(res.status, 202, await res.text());

    const nc = await connect({ servers: nats.url, user: SECRETS['sb-nats']!.user, pass: SECRETS['sb-nats']!.password });
    try {
      const jsm = await jetstreamManager(nc);
      const alerts = await jsm.streams.info(ALERTS_STREAM);
      const events = await jsm.streams.info(EVENTS_STREAM);
      const deadLetters = await jsm.streams.info(DEADLETTER_STREAM);
      const want = splitStorageBudget(Math.floor(0.8 * 1024 ** 3));
      assert.equal(alerts.config.max_bytes, want.alertsMaxBytes);
      assert.equal(events.config.max_bytes, want.eventsMaxBytes);
      assert.equal(deadLetters.config.max_bytes, want.deadLetterMaxBytes);
      assert.equal(alerts.state.messages, 1);
      const reserved = (await jsm.getAccountInfo()).storage;
      assert.ok(reserved <= maxFileStore);
    } finally {
      await nc.close();
    }
  });

  it('an unauthenticated client is refused by the bundled server with auth on', async () => {
    assert.ok(nats, 'the first test started the server');
    await assert.rejects(connect({ servers: nats.url, timeout: 3_000 }), /authorization|auth/i);
  });
});
