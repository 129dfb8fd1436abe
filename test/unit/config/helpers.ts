import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests, type Resource } from '../../../router/config/manifest.ts';
import { ROOT } from '../../harness/tools.ts';

export function minimalResources(): Resource[] {
  const text = readFileSync(join(ROOT, 'test/fixtures/config/minimal.yaml'), 'utf8');
  return parseManifests(text, 'minimal.yaml').resources.map((r) => structuredClone(r));
}

/** The minimal config with `mutate` applied to the resource of `kind`/`name`. */
export function mutated(kind: string, name: string, mutate: (r: Resource) => void): Resource[] {
  const rs = minimalResources();
  const r = rs.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!r) throw new Error(`no ${kind} ${name} in minimal.yaml`);
  mutate(r);
  return rs;
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into untyped manifest specs
export type AnySpec = any;
