// The Helm chart charts/switchboard: its copies of generated files are current, `helm lint` passes,
// it renders with default values and with every option on, bad values fail with the schema's
// message, every rendered object is accepted by a real kube-apiserver (`kubectl apply
// --dry-run=server`, restricted Pod Security warnings as failures), generated secrets survive an
// upgrade (lookup), and the operator's RBAC grants what it needs and nothing more (`kubectl auth
// can-i` as its ServiceAccount). Needs `scripts/tools.sh helm kube-apiserver etcd kubectl`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CHART, helm, type K8sObject, KUBE_VERSION, renderChart, valuesFile } from '../harness/helm.ts';
import { KubeApiServer } from '../harness/kube.ts';
import { ROOT } from '../harness/tools.ts';

const NS = 'switchboard';
/** Every option of the chart switched on. */
const ALL_ON = {
  nats: { bundled: { enabled: true }, auth: { existingSecret: 'sb-nats' } },
  router: {
    ingress: { enabled: true, className: 'nginx', hosts: ['switchboard.example.com'] },
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 },
    pdb: { enabled: true, minAvailable: 1 },
    sharedIngestToken: { enabled: true },
    publicUrl: 'https://switchboard.example.com',
    envFromSecret: 'switchboard-notify',
  },
  operator: { pdb: { enabled: true } },
  networkPolicy: {
    enabled: true,
    routerFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  },
  serviceMonitor: {
    enabled: true,
    labels: { release: 'kube-prometheus-stack' },
    metricsTokenSecret: { name: 'sb-metrics', key: 'token' },
  },
  prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  dashboards: { enabled: true },
};

function sameFiles(a: string, b: string, ext: string): void {
  const names = (d: string) =>
    readdirSync(d)
      .filter((n) => n.endsWith(ext))
      .sort();
  assert.deepEqual(names(b), names(a), `${b} and ${a} hold different files`);
  for (const n of names(a))
    assert.equal(
      readFileSync(join(b, n), 'utf8'),
      readFileSync(join(a, n), 'utf8'),
      `${b}/${n} differs from ${a}/${n}`,
    );
}

const kinds = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} not rendered; got ${kinds(objs).join(', ')}`);
  return o;
};

describe('chart files', () => {
  it('crds/ of the chart is identical to the generated crds/', () => {
    sameFiles(join(ROOT, 'crds'), join(CHART, 'crds'), '.yaml');
  });
  it('the chart ships the dashboards and the rules file unchanged', () => {
    sameFiles(join(ROOT, 'dashboards'), join(CHART, 'dashboards'), '.json');
    assert.equal(
      readFileSync(join(CHART, 'files', 'switchboard-rules.yaml'), 'utf8'),
      readFileSync(join(ROOT, 'deploy', 'prometheus', 'switchboard-rules.yaml'), 'utf8'),
      'charts/switchboard/files/switchboard-rules.yaml differs from deploy/prometheus/switchboard-rules.yaml',
    );
  });
  it('helm lint passes with default values and with every option on (--strict)', async () => {
    for (const extra of [[], ['-f', valuesFile(ALL_ON)]]) {
      const r = await helm(['lint', '--strict', CHART, '--kube-version', KUBE_VERSION, ...extra]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });
});

describe('rendering', () => {
  it('default values: operator (2, leader election) and router (--config-from-nats) on external NATS R3', async () => {
    const { objects } = await renderChart({});
    assert.deepEqual(kinds(objects), [
      'ClusterRole/sb-switchboard-operator',
      'ClusterRoleBinding/sb-switchboard-operator',
      'Deployment/sb-switchboard-operator',
      'Deployment/sb-switchboard-router',
      'NetworkPolicy/sb-switchboard-operator',
      'NetworkPolicy/sb-switchboard-router',
      'PodDisruptionBudget/sb-switchboard-operator',
      'PodDisruptionBudget/sb-switchboard-router',
      'Role/sb-switchboard-operator-leader-election',
      'RoleBinding/sb-switchboard-operator-leader-election',
      'Secret/sb-switchboard-secrets',
      'Service/sb-switchboard-operator',
      'Service/sb-switchboard-router',
      'ServiceAccount/sb-switchboard-operator',
      'ServiceAccount/sb-switchboard-router',
    ]);
    const op = find(objects, 'Deployment', 'sb-switchboard-operator');
    assert.equal(op.spec.replicas, 2);
    const opArgs: string[] = op.spec.template.spec.containers[0].args;
    assert.equal(opArgs[0], 'operator');
    assert.deepEqual(opArgs.slice(opArgs.indexOf('--nats'), opArgs.indexOf('--nats') + 2), [
      '--nats',
      'nats://nats.nats.svc.cluster.local:4222',
    ]);
    assert.deepEqual(opArgs.slice(opArgs.indexOf('--lease-namespace'), opArgs.indexOf('--lease-namespace') + 2), [
      '--lease-namespace',
      '$(POD_NAMESPACE)',
    ]);
    assert.ok(!opArgs.includes('--namespaces'), 'all namespaces by default');
    const router = find(objects, 'Deployment', 'sb-switchboard-router');
    const rArgs: string[] = router.spec.template.spec.containers[0].args;
    assert.equal(rArgs[0], 'router');
    assert.ok(rArgs.includes('--config-from-nats'));
    assert.equal(rArgs[rArgs.indexOf('--replicas') + 1], '3', 'JetStream R3 on the external cluster');
    assert.equal(rArgs[rArgs.indexOf('--partitions') + 1], '8', 'the alerts stream in 8 partitions');
    assert.equal(router.spec.template.spec.automountServiceAccountToken, false, 'the router needs no API token');
    const env = Object.fromEntries(
      (router.spec.template.spec.containers[0].env as { name: string; valueFrom?: unknown }[]).map((e) => [
        e.name,
        e.valueFrom,
      ]),
    );
    assert.deepEqual(env['SWITCHBOARD_ADMIN_TOKEN'], {
      secretKeyRef: { name: 'sb-switchboard-secrets', key: 'admin-token' },
    });
    assert.deepEqual(env['SWITCHBOARD_SIGNING_KEY'], {
      secretKeyRef: { name: 'sb-switchboard-secrets', key: 'signing-key' },
    });
    const secret = find(objects, 'Secret', 'sb-switchboard-secrets');
    for (const k of ['admin-token', 'signing-key'])
      assert.match(Buffer.from(secret['data'][k], 'base64').toString(), /^[A-Za-z0-9]{48}$/);
  });

  it('every pod runs restricted: non-root 65532, read-only root, no capabilities, RuntimeDefault, /tmp emptyDir', async () => {
    const { objects } = await renderChart(ALL_ON);
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    assert.equal(workloads.length, 3);
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
      assert.equal(pod.securityContext.runAsUser, 65532, w.metadata.name);
      assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
      for (const c of pod.containers) {
        const sc = c.securityContext;
        assert.equal(sc.readOnlyRootFilesystem, true, `${w.metadata.name}/${c.name}`);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
        assert.ok(
          c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/tmp'),
          `${w.metadata.name}: /tmp`,
        );
      }
      assert.ok(pod.volumes.some((v: { name: string; emptyDir?: unknown }) => v.name === 'tmp' && v.emptyDir));
    }
  });

  it('every option on: bundled NATS, HPA, PDBs, NetworkPolicies, ServiceMonitors, PrometheusRule, dashboards', async () => {
    const { objects } = await renderChart(ALL_ON);
    const sts = find(objects, 'StatefulSet', 'sb-switchboard-nats');
    assert.deepEqual(sts.spec.template.spec.containers[0].args, ['-c', '/etc/nats/nats.conf']);
    assert.match(
      find(objects, 'ConfigMap', 'sb-switchboard-nats-config').data['nats.conf'],
      /max_file_store: 4831838208/,
    );
    find(objects, 'Ingress', 'sb-switchboard-router');
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '5Gi');
    const router = find(objects, 'Deployment', 'sb-switchboard-router');
    assert.equal(router.spec.replicas, undefined, 'the HPA owns the replica count');
    const rArgs: string[] = router.spec.template.spec.containers[0].args;
    assert.equal(rArgs[rArgs.indexOf('--nats') + 1], 'nats://sb-switchboard-nats.switchboard.svc:4222');
    assert.equal(rArgs[rArgs.indexOf('--replicas') + 1], '1', 'a single node holds one replica');
    assert.equal(find(objects, 'HorizontalPodAutoscaler', 'sb-switchboard-router').spec.maxReplicas, 5);
    for (const n of ['router', 'operator', 'nats']) find(objects, 'NetworkPolicy', `sb-switchboard-${n}`);
    for (const n of ['router', 'operator'])
      assert.equal(find(objects, 'ServiceMonitor', `sb-switchboard-${n}`).spec.jobLabel, 'switchboard.dev/job');
    const rule = find(objects, 'PrometheusRule', 'sb-switchboard');
    assert.equal(rule.metadata.labels?.['release'], 'kube-prometheus-stack');
    const alerts = rule.spec.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((r) => r.alert));
    for (const a of [
      'SwitchboardRouterDown',
      'SwitchboardIngestUnavailable',
      'SwitchboardNotificationFailures',
      'SwitchboardConsumerLag',
      'SwitchboardConfigRejected',
      'SwitchboardSlaBreachRate',
    ])
      assert.ok(alerts.includes(a), `${a} in the PrometheusRule`);
    const cm = find(objects, 'ConfigMap', 'sb-switchboard-dashboards');
    assert.equal(cm.metadata.labels?.['grafana_dashboard'], '1');
    assert.deepEqual(Object.keys(cm['data']).sort(), readdirSync(join(ROOT, 'dashboards')).sort());
    for (const [name, text] of Object.entries(cm['data'] as Record<string, string>))
      assert.equal(text, readFileSync(join(ROOT, 'dashboards', name), 'utf8'));
  });

  it('NATS credentials and TLS reach router and operator as env and read-only mounts', async () => {
    const { objects } = await renderChart({
      nats: {
        url: 'tls://nats.nats.svc:4222',
        auth: { existingSecret: 'nats-creds', type: 'creds' },
        tls: { secretName: 'nats-tls', clientCert: true },
      },
      router: {
        extraVolumes: [{ name: 'ca', configMap: { name: 'ca' } }],
        extraVolumeMounts: [{ name: 'ca', mountPath: '/ca' }],
      },
    });
    for (const name of ['sb-switchboard-router', 'sb-switchboard-operator']) {
      const pod = find(objects, 'Deployment', name).spec.template.spec;
      const c = pod.containers[0];
      const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      assert.equal(env['SWITCHBOARD_NATS_CREDS_FILE'], '/etc/switchboard/nats-auth/nats.creds', name);
      assert.equal(env['SWITCHBOARD_NATS_TLS_CA_FILE'], '/etc/switchboard/nats-tls/ca.crt', name);
      assert.equal(env['SWITCHBOARD_NATS_TLS_KEY_FILE'], '/etc/switchboard/nats-tls/tls.key', name);
      for (const m of ['nats-auth', 'nats-tls']) {
        assert.equal(c.volumeMounts.find((v: { name: string }) => v.name === m)?.readOnly, true, `${name} ${m}`);
        assert.ok(pod.volumes.find((v: { name: string }) => v.name === m)?.secret, `${name} ${m}`);
      }
    }
    const router = find(objects, 'Deployment', 'sb-switchboard-router').spec.template.spec;
    assert.ok(router.volumes.some((v: { name: string }) => v.name === 'ca'));
    assert.equal(
      router.containers[0].env.some((e: { name: string }) => e.name === 'SWITCHBOARD_NATS_STORAGE_BUDGET'),
      false,
    );
  });

  it('OpenShift: security contexts can be replaced (no runAsUser); an HTTPRoute can expose the router', async () => {
    const { objects } = await renderChart({
      router: {
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        httpRoute: {
          enabled: true,
          parentRefs: [{ name: 'public', namespace: 'gateways' }],
          hostnames: ['sb.example.com'],
        },
      },
      operator: { podSecurityContext: { runAsNonRoot: true } },
    });
    const router = find(objects, 'Deployment', 'sb-switchboard-router').spec.template.spec;
    assert.equal(router.securityContext.runAsUser, undefined);
    assert.equal(router.containers[0].securityContext.runAsUser, undefined);
    assert.equal(
      find(objects, 'Deployment', 'sb-switchboard-operator').spec.template.spec.securityContext.runAsUser,
      undefined,
    );
    const route = find(objects, 'HTTPRoute', 'sb-switchboard-router');
    assert.deepEqual(route.spec.parentRefs, [{ name: 'public', namespace: 'gateways' }]);
    assert.deepEqual(route.spec.rules[0].backendRefs, [{ name: 'sb-switchboard-router', port: 8080 }]);
  });

  it("the bundled NATS policy admits only this release's router and operator", async () => {
    const { objects } = await renderChart({ nats: { bundled: { enabled: true } } });
    const np = find(objects, 'NetworkPolicy', 'sb-switchboard-nats');
    assert.deepEqual(np.spec.ingress[0].from[0].podSelector.matchExpressions, [
      { key: 'app.kubernetes.io/instance', operator: 'In', values: ['sb'] },
      { key: 'app.kubernetes.io/component', operator: 'In', values: ['router', 'operator'] },
    ]);
    await assert.rejects(
      renderChart({ nats: { bundled: { enabled: true }, auth: { existingSecret: 'x', type: 'creds' } } }),
      /the bundled NATS takes nats.auth.type=userPassword only/,
    );
    await assert.rejects(renderChart({ nats: { bundled: { enabled: true, maxFileStore: '4G' } } }), /maxFileStore/);
  });

  it('bad values fail with the schema message naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ router: { replicas: 'two' } }, /at '\/router\/replicas': got string, want integer/],
      [{ nats: { url: 'http://nats:4222' } }, /at '\/nats\/url': 'http:\/\/nats:4222' does not match pattern/],
      [{ routr: { replicas: 2 } }, /additional properties 'routr' not allowed/],
      [{ operator: { watchNamespaces: ['Team_A'] } }, /at '\/operator\/watchNamespaces\/0'/],
    ];
    for (const [values, want] of cases) {
      const r = await helm(['template', 'sb', CHART, '--kube-version', KUBE_VERSION, '-f', valuesFile(values)]);
      assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(values)}`);
      assert.match(r.stderr, want);
    }
    const r = await helm([
      'template',
      'sb',
      CHART,
      '--kube-version',
      KUBE_VERSION,
      '-f',
      valuesFile({ router: { autoscaling: { enabled: true, minReplicas: 4, maxReplicas: 2 } } }),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /router.autoscaling.minReplicas \(4\) must not exceed router.autoscaling.maxReplicas \(2\)/);
  });
});

describe('against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let startError: Error | undefined;
  before(async () => {
    try {
      kube = await KubeApiServer.start();
      await kube.applyCrds(join(CHART, 'crds'));
      await kube.applyCrds(join(ROOT, 'test', 'fixtures', 'chart', 'monitoring-crds.yaml'));
      // Restricted Pod Security, as a hardened cluster would enforce it: violations print warnings.
      for (const ns of [NS, 'team-a', 'team-b', 'team-c']) await kube.kubectl('create', 'namespace', ns);
      await kube.kubectl(
        'label',
        'namespace',
        NS,
        'pod-security.kubernetes.io/enforce=restricted',
        'pod-security.kubernetes.io/warn=restricted',
      );
    } catch (e) {
      startError = e as Error;
    }
  });
  beforeEach(() => {
    if (startError) throw startError;
  });
  after(async () => {
    await kube?.stop();
  });

  it('accepts every object of the default and the all-on rendering (apply --dry-run=server)', async () => {
    for (const values of [{}, ALL_ON, { operator: { watchNamespaces: ['team-a', 'team-b'] } }]) {
      const { yaml, objects } = await renderChart(values);
      const r = await kube.kubectlResult(['apply', '--dry-run=server', '-f', '-'], yaml);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Warning|violate/i, r.stderr);
      const applied = r.stdout.trim().split('\n');
      assert.equal(applied.length, objects.length, r.stdout);
      for (const line of applied) assert.match(line, /(created|configured|unchanged) \(server dry run\)$/);
    }
  });

  it('keeps existing secrets across upgrades (lookup) and never prints them', async () => {
    await kube.kubectl(
      'create',
      'secret',
      'generic',
      'sb-switchboard-secrets',
      '-n',
      NS,
      '--from-literal=admin-token=kept-admin-token-0123456789',
      '--from-literal=signing-key=kept-signing-key-0123456789abcdefghij',
    );
    const { objects } = await renderChart(
      { router: { sharedIngestToken: { enabled: true } } },
      { extra: ['--dry-run=server', '--kubeconfig', kube.kubeconfigPath] },
    );
    const data = find(objects, 'Secret', 'sb-switchboard-secrets')['data'] as Record<string, string>;
    const dec = (k: string) => Buffer.from(data[k] as string, 'base64').toString();
    assert.equal(dec('admin-token'), 'kept-admin-token-0123456789');
    assert.equal(dec('signing-key'), 'kept-signing-key-0123456789abcdefghij');
    assert.match(dec('shared-ingest-token'), /^[A-Za-z0-9]{48}$/, 'a key added later is generated');
    // NOTES (rendered by install): explains how to read the tokens, prints none of them.
    const r = await helm([
      'install',
      'notes',
      CHART,
      '-n',
      'team-c',
      '--dry-run=server',
      '--kubeconfig',
      kube.kubeconfigPath,
      '--set',
      'router.sharedIngestToken.enabled=true',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const at = r.stdout.indexOf('NOTES:');
    assert.ok(at > 0, r.stdout);
    const generated = parseAllDocuments(r.stdout.slice(0, at).replace(/^[\s\S]*?MANIFEST:/, ''))
      .map((d) => d.toJS() as K8sObject | null)
      .find((o) => o?.kind === 'Secret');
    assert.ok(generated, 'the dry run shows the generated Secret');
    const tokens = Object.values(generated['data'] as Record<string, string>).map((v) =>
      Buffer.from(v, 'base64').toString(),
    );
    assert.equal(tokens.length, 3);
    const notes = r.stdout.slice(at);
    assert.match(notes, /url: http:\/\/notes-switchboard-router\.team-c\.svc:8080\/api\/v1\/alerts\/alertmanager/);
    assert.match(notes, /type: Bearer/);
    assert.match(notes, /get secret notes-switchboard-secrets -o jsonpath='\{\.data\.admin-token\}' \| base64 -d/);
    for (const t of tokens) assert.ok(!notes.includes(t), 'NOTES must not print a secret');
    for (const t of ['kept-admin-token', 'kept-signing-key']) assert.ok(!r.stdout.includes(t));
  });

  describe('operator RBAC is least privilege', () => {
    const can = async (sa: string, ...args: string[]): Promise<boolean> => {
      const r = await kube.kubectlResult(['auth', 'can-i', `--as=system:serviceaccount:${NS}:${sa}`, ...args]);
      assert.ok(r.stdout.trim() === 'yes' || r.stdout.trim() === 'no', r.stdout + r.stderr);
      return r.stdout.trim() === 'yes';
    };
    const expectAll = async (sa: string, want: boolean, checks: string[][]) => {
      for (const c of checks) assert.equal(await can(sa, ...c), want, `${sa} can-i ${c.join(' ')}: expected ${want}`);
    };

    it('watching all namespaces: reads the seven kinds and GETs Secrets (no list/watch), writes status, Events and its own Lease', async () => {
      const { yaml } = await renderChart({});
      await kube.kubectlInput(yaml, 'apply', '-f', '-');
      const sa = 'sb-switchboard-operator';
      const kindsList = [
        'tenants',
        'servicelevels',
        'oncallschedules',
        'escalationpolicies',
        'responders',
        'channels',
        'maintenancewindows',
      ];
      await expectAll(
        sa,
        true,
        kindsList.flatMap((k) => [
          ['list', `${k}.switchboard.dev`, '-A'],
          ['watch', `${k}.switchboard.dev`, '-n', 'team-a'],
          ['patch', `${k}.switchboard.dev`, '--subresource=status', '-n', 'team-b'],
        ]),
      );
      await expectAll(sa, true, [
        ['get', 'secrets', '-n', 'team-a'],
        ['create', 'events', '-n', 'team-a'],
        ['create', 'events.events.k8s.io', '-n', 'team-a'],
        ['create', 'leases.coordination.k8s.io', '-n', NS],
        ['get', 'leases.coordination.k8s.io/switchboard-operator', '-n', NS],
        ['update', 'leases.coordination.k8s.io/switchboard-operator', '-n', NS],
      ]);
      await expectAll(sa, false, [
        ['update', 'tenants.switchboard.dev', '-n', 'team-a'],
        ['delete', 'tenants.switchboard.dev', '-n', 'team-a'],
        ['create', 'tenants.switchboard.dev', '-n', 'team-a'],
        // Referenced Secrets are read by name only (security review M6).
        ['list', 'secrets', '-A'],
        ['watch', 'secrets', '-A'],
        ['list', 'secrets', '-n', 'team-a'],
        ['delete', 'secrets', '-n', NS],
        ['create', 'secrets', '-n', NS],
        ['update', 'secrets', '-n', 'team-a'],
        ['create', 'pods', '-n', NS],
        ['get', 'pods', '-n', NS],
        ['create', 'deployments.apps', '-n', NS],
        ['delete', 'events', '-n', 'team-a'],
        ['create', 'leases.coordination.k8s.io', '-n', 'team-a'],
        ['update', 'leases.coordination.k8s.io/kube-controller-manager', '-n', NS],
        ['delete', 'leases.coordination.k8s.io/switchboard-operator', '-n', NS],
        ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
        ['list', 'nodes'],
      ]);
      // The router talks to NATS only: no Kubernetes permissions at all.
      await expectAll('sb-switchboard-router', false, [
        ['get', 'secrets', '-n', NS],
        ['list', 'tenants.switchboard.dev', '-A'],
        ['create', 'events', '-n', NS],
      ]);
    });

    it('watching a list of namespaces: Roles there only, nothing cluster-wide', async () => {
      const { yaml, objects } = await renderChart(
        { operator: { watchNamespaces: ['team-a', 'team-b'] } },
        { release: 'scoped' },
      );
      assert.ok(!objects.some((o) => o.kind.startsWith('Cluster')), 'no ClusterRole or ClusterRoleBinding');
      await kube.kubectlInput(yaml, 'apply', '-f', '-');
      const sa = 'scoped-switchboard-operator';
      await expectAll(sa, true, [
        ['list', 'tenants.switchboard.dev', '-n', 'team-a'],
        ['get', 'secrets', '-n', 'team-b'],
        ['patch', 'channels.switchboard.dev', '--subresource=status', '-n', 'team-b'],
        ['create', 'events', '-n', 'team-a'],
        ['update', 'leases.coordination.k8s.io/switchboard-operator', '-n', NS],
      ]);
      await expectAll(sa, false, [
        ['list', 'tenants.switchboard.dev', '-A'],
        ['list', 'tenants.switchboard.dev', '-n', 'team-c'],
        ['get', 'secrets', '-n', 'team-c'],
        ['list', 'secrets', '-A'],
        ['watch', 'secrets', '-n', 'team-b'],
        ['get', 'secrets', '-n', NS],
        ['create', 'events', '-n', 'team-c'],
      ]);
    });
  });
});
