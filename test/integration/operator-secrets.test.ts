// The operator reads only the Secrets Switchboard resources reference, by name (security review M6):
// run as the chart's ServiceAccount on a real kube-apiserver with RBAC enforced, where the operator ClusterRole
// grants `get` on secrets and nothing more. It still compiles every tenant of examples/msp; it cannot list
// Secrets (and a list or watch would leave it unsynced, without a snapshot); a changed Secret reaches the
// snapshot through the re-read by name.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type RunningOperator, startOperator } from '../../operator/main.ts';
import { CONFIG_BUCKET } from '../../router/bus/subjects.ts';
import { type ConfigSnapshot, decodeSnapshot, SNAPSHOT_KEY } from '../../router/config/snapshot.ts';
import { createLogger } from '../../router/log.ts';
import { renderChart } from '../harness/helm.ts';
import { KubeApiServer } from '../harness/kube.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';

const NS = 'switchboard';
const SA = 'sb-switchboard-operator';
const log = createLogger('operator-secrets-test', process.env['SWITCHBOARD_LOG_LEVEL'] ?? 'error');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('operator with RBAC `get` on secrets only', () => {
  let kube: KubeApiServer;
  let nats: NatsServer;
  let nc: NatsConnection;
  let kv: KV;
  let op: RunningOperator | undefined;

  const snapshot = async (): Promise<ConfigSnapshot | null> => {
    const e = await kv.get(SNAPSHOT_KEY);
    return e && e.operation === 'PUT' ? decodeSnapshot(e.value) : null;
  };

  before(async () => {
    [kube, nats] = await Promise.all([KubeApiServer.start(), NatsServer.start()]);
    await kube.applyCrds();
    await kube.kubectl('create', 'namespace', NS);
    await kube.kubectl('create', 'namespace', 'msp');
    // The chart's operator ServiceAccount, ClusterRole and binding, as installed.
    const { objects } = await renderChart({});
    const rbac = objects.filter((o) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind),
    );
    await kube.kubectlInput(rbac.map((o) => JSON.stringify(o)).join('\n'), 'apply', '-f', '-');
    await kube.kubectl('apply', '-f', 'examples/msp');
    nc = await connect({ servers: nats.url });
    kv = await new Kvm(nc).create(CONFIG_BUCKET, { history: 10 });
  });
  after(async () => {
    await op?.stop({ release: false }).catch(() => {});
    await nc?.close();
    await nats?.close();
    await kube?.stop();
  });

  it('the ServiceAccount can get Secrets but not list or watch them', async () => {
    const can = async (...args: string[]) =>
      (await kube.kubectlResult(['auth', 'can-i', `--as=system:serviceaccount:${NS}:${SA}`, ...args])).stdout.trim();
    assert.equal(await can('get', 'secrets', '-n', 'msp'), 'yes');
    assert.equal(await can('list', 'secrets', '-n', 'msp'), 'no');
    assert.equal(await can('list', 'secrets', '-A'), 'no');
    assert.equal(await can('watch', 'secrets', '-A'), 'no');
  });

  it('compiles every tenant, and a changed Secret propagates to the snapshot', async () => {
    const token = (await kube.kubectl('create', 'token', SA, '-n', NS)).trim();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'test', server: kube.url, skipTLSVerify: true }],
      users: [{ name: SA, token }],
      contexts: [{ name: 'test', cluster: 'test', user: SA }],
      currentContext: 'test',
    });
    // Listing Secrets as this user is refused by the API server itself.
    const list = await kube.request('GET', '/api/v1/namespaces/msp/secrets', undefined, {
      authorization: `Bearer ${token}`,
    });
    assert.equal(list.status, 403);

    op = await startOperator({
      kubeConfig: kc,
      natsUrl: nats.url,
      identity: 'limited',
      leaseNamespace: NS,
      secretResyncMs: 300,
      log,
    });
    const first = await waitFor('snapshot', async () => (await snapshot()) ?? undefined, 30_000);
    assert.deepEqual(Object.keys(first.config.tenants).sort(), ['acme', 'globex', 'initech']);
    assert.equal(first.config.tenants['acme']?.ingestTokenSha256, sha256('acme-ingest-token-change-me'));

    await kube.kubectl(
      'patch',
      'secret',
      'acme-tokens',
      '-n',
      'msp',
      '--type=merge',
      '-p',
      JSON.stringify({ stringData: { 'ingest-token': 'acme-rotated-token' } }),
    );
    const next = await waitFor(
      'the rotated token in the snapshot',
      async () => {
        const s = await snapshot();
        return s && s.revision > first.revision ? s : undefined;
      },
      20_000,
    );
    assert.equal(next.config.tenants['acme']?.ingestTokenSha256, sha256('acme-rotated-token'));
    assert.equal(next.config.tenants['globex']?.ingestTokenSha256, first.config.tenants['globex']?.ingestTokenSha256);
  });
});
