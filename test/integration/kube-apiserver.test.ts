// The generated CRDs against a real kube-apiserver (test/harness/kube.ts): the API server accepts
// them (so their schemas are structural), stores examples/msp through them, lists them by short
// name, and rejects invalid resources itself through the schema (enum, pattern) and the CEL rules,
// with a message naming the field. Needs `scripts/tools.sh kube-apiserver etcd kubectl`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KubeApiServer } from '../harness/kube.ts';
import { ROOT } from '../harness/tools.ts';

let kube: KubeApiServer;
let startError: Error | undefined;

// A failed start (tools not built: the message says `scripts/tools.sh kube-apiserver etcd kubectl`)
// fails every test with that message, rather than leaving them cancelled.
before(async () => {
  try {
    kube = await KubeApiServer.start();
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

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** Every resource in examples/msp, by kind. */
function exampleNames(): Map<string, string[]> {
  const byKind = new Map<string, string[]>();
  const dir = join(ROOT, 'examples', 'msp');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const doc = d.toJS() as Doc | null;
      if (!doc) continue;
      byKind.set(doc.kind, [...(byKind.get(doc.kind) ?? []), doc.metadata.name]);
    }
  }
  return byKind;
}

/**
 * Applies MANIFEST and expects the API server to refuse it with a message containing each of WANT,
 * and to store nothing; then applies it with FIX (from -> to) and expects that accepted, so the
 * rejection is for that field alone.
 */
async function expectRejected(manifest: string, fix: [string, string], ...want: (string | RegExp)[]): Promise<void> {
  const r = await kube.kubectlResult(['apply', '-f', '-'], manifest);
  assert.notEqual(r.code, 0, `accepted, but should have been rejected:\n${manifest}\n${r.stdout}`);
  for (const w of want) {
    if (typeof w === 'string') assert.ok(r.stderr.includes(w), `"${w}" not in: ${r.stderr}`);
    else assert.match(r.stderr, w);
  }
  const fixed = manifest.replace(fix[0], fix[1]);
  assert.notEqual(fixed, manifest);
  const ok = await kube.kubectlResult(['create', '--dry-run=server', '-f', '-'], fixed);
  assert.equal(ok.code, 0, `the fixed manifest was rejected too: ${ok.stderr}\n${fixed}`);
}

describe('CRDs on a real kube-apiserver', () => {
  it('serves /version of the pinned release and authorizes with RBAC', async () => {
    const v = (await kube.request('GET', '/version')).json() as { gitVersion: string };
    assert.match(v.gitVersion, /^v1\.\d+\.\d+$/);
    // An unknown token is refused; the admin may do anything; a ServiceAccount without a Role nothing.
    const stranger = await kube.request('GET', '/api/v1/secrets', undefined, { authorization: 'Bearer nope' });
    assert.equal(stranger.status, 401);
    assert.equal((await kube.kubectl('auth', 'can-i', 'list', 'secrets', '-A')).trim(), 'yes');
    // `auth can-i` exits 1 for "no".
    const sa = await kube.kubectlResult([
      'auth',
      'can-i',
      'list',
      'secrets',
      '--as=system:serviceaccount:default:nobody',
    ]);
    assert.deepEqual([sa.code, sa.stdout.trim()], [1, 'no'], sa.stderr);
  });

  it('accepts every CRD in crds/ and establishes it', async () => {
    const names = await kube.applyCrds();
    const files = readdirSync(join(ROOT, 'crds')).filter((n) => n.endsWith('.yaml'));
    assert.equal(names.length, files.length);
    for (const name of names) {
      const crd = JSON.parse(await kube.kubectl('get', 'crd', name, '-o', 'json')) as {
        status: { conditions: { type: string; status: string; message: string }[] };
      };
      const cond = (t: string) => crd.status.conditions.find((c) => c.type === t);
      assert.equal(cond('Established')?.status, 'True', name);
      assert.equal(cond('NamesAccepted')?.status, 'True', name);
      assert.equal(cond('NonStructuralSchema'), undefined, `${name}: ${cond('NonStructuralSchema')?.message}`);
    }
  });

  it('stores examples/msp and lists it by short name', async () => {
    await kube.kubectl('create', 'namespace', 'msp');
    await kube.kubectl('apply', '--server-side', '-f', 'examples/msp');
    const want = exampleNames();
    // Exactly the command docs/install.md, docs/runbooks.md and the chart's NOTES give: every short name
    // must resolve to Switchboard's kind, not a core one (`ep` was core Endpoints').
    const list = await kube.kubectl(
      'get',
      'tn,sla,ocs,escp,rsp,ch,mw',
      '-A',
      '--no-headers',
      '-o',
      'custom-columns=K:.kind,N:.metadata.name,NS:.metadata.namespace',
    );
    const got = list
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    for (const kind of [
      'Tenant',
      'ServiceLevel',
      'OnCallSchedule',
      'EscalationPolicy',
      'Responder',
      'Channel',
      'MaintenanceWindow',
    ]) {
      const names = got.filter(([k, , ns]) => k === kind && ns === 'msp').map(([, n]) => n);
      assert.deepEqual(names.sort(), [...(want.get(kind) ?? [])].sort(), `${kind}:\n${list}`);
    }
    assert.deepEqual(new Set(got.map(([k]) => k)).size, 7, `only Switchboard kinds:\n${list}`);
    // The Secrets they reference.
    const secrets = (await kube.kubectl('get', 'secret', '-n', 'msp', '-o', 'name')).trim().split('\n');
    assert.deepEqual(secrets.map((n) => n.slice(n.indexOf('/') + 1)).sort(), [...(want.get('Secret') ?? [])].sort());
    // The printer columns the CRDs declare are served (kubectl get tn -A as docs show it).
    const table = await kube.kubectl('get', 'tn', '-A');
    assert.match(table.split('\n')[0] ?? '', /NAMESPACE\s+NAME\s+.*READY/, table);
  });

  it('rejects a Channel of type slack without spec.slack (CEL rule)', async () => {
    await expectRejected(
      `apiVersion: switchboard.dev/v1alpha1
kind: Channel
metadata: { name: bad-slack, namespace: msp }
spec:
  type: slack
`,
      ['type: slack', 'type: slack\n  slack: { webhookUrlSecretRef: { name: noc-slack-webhook, key: url } }'],
      'spec.slack is required when spec.type is slack',
    );
    const gone = await kube.kubectlResult(['get', 'channel', 'bad-slack', '-n', 'msp']);
    assert.notEqual(gone.code, 0, 'the rejected Channel was stored');
  });

  it('rejects a Responder rule via an unknown medium (enum), naming spec.rules[0].via', async () => {
    await expectRejected(
      `apiVersion: switchboard.dev/v1alpha1
kind: Responder
metadata: { name: bad-pigeon, namespace: msp }
spec:
  displayName: Bad Pigeon
  contact: { email: pigeon@msp.example }
  rules:
    - { after: 0m, via: pigeon }
`,
      ['via: pigeon', 'via: email'],
      'spec.rules[0].via',
      'Unsupported value: "pigeon"',
    );
  });

  it('rejects a ServiceLevel whose respond is not a duration (pattern), naming the field', async () => {
    await expectRejected(
      `apiVersion: switchboard.dev/v1alpha1
kind: ServiceLevel
metadata: { name: bad-duration, namespace: msp }
spec:
  targets:
    critical: { respond: 15 minutes, resolve: 4h }
`,
      ['15 minutes', '15m'],
      'spec.targets.critical.respond',
    );
  });

  it('rejects a MaintenanceWindow that is both one-off and recurring (CEL rule)', async () => {
    await expectRejected(
      `apiVersion: switchboard.dev/v1alpha1
kind: MaintenanceWindow
metadata: { name: bad-window, namespace: msp }
spec:
  tenant: acme
  start: "2026-12-06T04:00"
  end: "2026-12-06T10:00"
  recurrence: { days: [Sat], from: "04:00", to: "06:00", timezone: Europe/Berlin }
`,
      ['  recurrence: { days: [Sat], from: "04:00", to: "06:00", timezone: Europe/Berlin }\n', ''],
      'set either spec.start and spec.end (one-off) or spec.recurrence (recurring), not both',
    );
  });
});
