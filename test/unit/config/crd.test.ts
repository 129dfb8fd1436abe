import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crdFor } from '../../../router/config/crd.ts';
import { generatedFiles } from '../../../router/config/generated-files.ts';
import { KINDS } from '../../../router/config/resources/index.ts';
import { ROOT } from '../../harness/tools.ts';

type Node = {
  type?: string;
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: unknown;
  anyOf?: unknown;
};

/** Paths of properties without a description, and structural-schema violations. */
function problems(node: Node, path: string, out: string[]): string[] {
  if (!node.type) out.push(`${path}: no type (structural schemas need one on every node)`);
  if (node.anyOf) out.push(`${path}: anyOf is not allowed here in a structural schema`);
  if (node.properties && node.additionalProperties !== undefined)
    out.push(`${path}: both properties and additionalProperties`);
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    // The API server forbids anything but `type` under the root metadata (kubectl explain documents it).
    const rootMetadata = k === 'metadata' && !path.includes('.');
    if (!child.description && !rootMetadata) out.push(`${path}.${k}: no description`);
    problems(child, `${path}.${k}`, out);
  }
  if (node.items) problems(node.items, `${path}[]`, out);
  return out;
}

describe('CRDs', () => {
  it('the committed crds/, chart CRDs and docs/crds.md are what the generator writes', () => {
    for (const [path, text] of Object.entries(generatedFiles())) {
      assert.equal(readFileSync(join(ROOT, path), 'utf8'), text, `${path} is stale: run npm run gen`);
    }
  });

  for (const kind of KINDS) {
    it(`${kind.kind}: structural schema with a description on every field`, () => {
      const crd = crdFor(kind) as {
        spec: {
          versions: { schema: { openAPIV3Schema: Node } }[];
          names: { shortNames: string[]; categories: string[] };
        };
      };
      const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
      assert.ok(schema);
      assert.deepEqual(problems(schema, kind.kind, []), []);
      assert.deepEqual(crd.spec.names.categories, ['switchboard']);
      assert.ok(crd.spec.names.shortNames.length > 0);
    });
  }

  // Short names that core Kubernetes already serves: kubectl resolves them to the core kind first.
  const CORE_SHORT_NAMES = [
    'cm',
    'cs',
    'ds',
    'ep',
    'ev',
    'hpa',
    'ing',
    'limits',
    'netpol',
    'no',
    'ns',
    'pdb',
    'po',
    'psp',
    'pv',
    'pvc',
    'quota',
    'rc',
    'rs',
    'sa',
    'sc',
    'sts',
    'svc',
    'crd',
    'csr',
    'deploy',
    'cj',
    'pc',
    'ep',
  ];
  it('no short name shadows a core resource, and every `kubectl get a,b,...` in the docs names declared ones', () => {
    const declared = new Set(KINDS.flatMap((k) => k.shortNames));
    for (const s of declared) assert.ok(!CORE_SHORT_NAMES.includes(s), `short name ${s} is a core resource's`);
    const ours = new Set([...declared, ...KINDS.map((k) => k.plural), 'switchboard', 'secret', 'secrets']);
    const files = ['docs/install.md', 'docs/runbooks.md', 'docs/operator.md', 'charts/switchboard/templates/NOTES.txt'];
    let lists = 0;
    for (const f of files) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/kubectl get ([a-z]+(?:,[a-z]+)+)/g)) {
        lists++;
        for (const name of (m[1] as string).split(','))
          assert.ok(ours.has(name), `${f}: \`kubectl get ${m[1]}\` names ${name}, not a Switchboard resource`);
      }
    }
    assert.ok(lists >= 3, 'the docs list resources with kubectl get');
  });
});
