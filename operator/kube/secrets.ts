// Secrets by name, never by list or watch (security review M6): the operator reads only the Secrets a
// Switchboard resource references, with `get` — so its RBAC needs `get` on secrets only, and no Secret it
// does not use is ever in its memory. Between reads it keeps a SHA-256 of each referenced Secret's content,
// not the values, to tell a changed Secret (re-read on a resync interval) from an unchanged one.
import { createHash } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './informers.ts';

/** One Secret by namespace and name; null when it does not exist. */
export type SecretGetter = (namespace: string, name: string) => Promise<KubeObject | null>;

export function kubeSecretGetter(kc: KubeConfig): SecretGetter {
  const core = kc.makeApiClient(CoreV1Api);
  return async (namespace, name) => {
    try {
      const s = await core.readNamespacedSecret({ namespace, name });
      return { ...(s as unknown as KubeObject), apiVersion: 'v1', kind: 'Secret' };
    } catch (e) {
      if ((e as { code?: number }).code === 404) return null;
      throw e;
    }
  };
}

/** Fingerprint of a Secret's content (or of its absence). Pure. */
export function secretFingerprint(s: KubeObject | null): string {
  if (!s) return 'absent';
  return createHash('sha256')
    .update(JSON.stringify([s.data ?? null, s.stringData ?? null]))
    .digest('hex');
}

/** Reads referenced Secrets and remembers only their fingerprints. */
export class ReferencedSecrets {
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly get: SecretGetter) {}

  /** Every Secret of REFS (`namespace/name`) that exists, read now; fingerprints are updated. */
  async read(refs: Iterable<string>): Promise<KubeObject[]> {
    const wanted = [...refs];
    const read = await Promise.all(
      wanted.map(async (ref) => {
        const [namespace, name] = splitRef(ref);
        const s = await this.get(namespace, name);
        this.fingerprints.set(ref, secretFingerprint(s));
        return s;
      }),
    );
    for (const ref of [...this.fingerprints.keys()]) if (!wanted.includes(ref)) this.fingerprints.delete(ref);
    return read.filter((s): s is KubeObject => s !== null);
  }

  /** Re-reads the Secrets last read; true when any changed (content, creation or deletion) since. */
  async changed(): Promise<boolean> {
    let changed = false;
    for (const [ref, before] of [...this.fingerprints]) {
      const [namespace, name] = splitRef(ref);
      if (secretFingerprint(await this.get(namespace, name)) !== before) changed = true;
    }
    return changed;
  }
}

function splitRef(ref: string): [string, string] {
  const slash = ref.indexOf('/');
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}
