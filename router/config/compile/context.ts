import type { KindName } from '../resources/index.ts';

export interface ConfigError {
  kind: string;
  namespace: string;
  name: string;
  /** Path inside the resource, e.g. `spec.routes[0].matchers[1]`; empty for the whole resource. */
  field: string;
  message: string;
  /** File and document number, when loaded from files. */
  source?: string;
}

export function formatConfigError(e: ConfigError): string {
  const who = `${e.kind} ${e.namespace}/${e.name}`;
  return `${who}: ${e.field ? `${e.field}: ` : ''}${e.message}${e.source ? ` (${e.source})` : ''}`;
}

/** A resource that passed the schema, with its identity resolved. */
export interface Checked<S> {
  kind: KindName;
  namespace: string;
  name: string;
  key: string;
  spec: S;
  source?: string;
}

export interface CompileOptions {
  /**
   * What a reference to a Secret that is not among the resources is: an error (the operator and the router,
   * which need the value), or a warning (`switchboard validate --skip-secrets`, for GitOps repositories whose
   * Secrets come from SealedSecrets, External Secrets or SOPS and are not in the folder). A Secret that is
   * present but lacks the key stays an error either way.
   */
  missingSecrets?: 'error' | 'warn';
}

export class CompileContext {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];
  private readonly reported = new Set<string>();
  private readonly byKind = new Map<string, Map<string, Checked<unknown>>>();
  /** Secret data by `namespace/name`, decoded. */
  readonly secrets = new Map<string, Record<string, string>>();

  constructor(private readonly options: CompileOptions = {}) {}

  add(r: Checked<unknown>): void {
    let m = this.byKind.get(r.kind);
    if (!m) {
      m = new Map();
      this.byKind.set(r.kind, m);
    }
    m.set(r.key, r);
  }

  all<S>(kind: KindName): Checked<S>[] {
    return [...(this.byKind.get(kind)?.values() ?? [])] as Checked<S>[];
  }

  get<S>(kind: KindName, namespace: string, name: string): Checked<S> | undefined {
    return this.byKind.get(kind)?.get(`${namespace}/${name}`) as Checked<S> | undefined;
  }

  error(r: Pick<Checked<unknown>, 'kind' | 'namespace' | 'name' | 'source'>, field: string, message: string): void {
    this.errors.push({ kind: r.kind, namespace: r.namespace, name: r.name, field, message, source: r.source });
  }

  /** Checks a same-namespace reference; reports `Kind "name" not found` at `field` and returns the target key. */
  ref(from: Checked<unknown>, field: string, kind: KindName, name: string): string {
    if (!this.get(kind, from.namespace, name)) {
      this.error(from, field, `${kind} "${name}" not found in namespace ${from.namespace}`);
    }
    return `${from.namespace}/${name}`;
  }

  /** Resolves a Secret key; reports a missing Secret or key at `field`. */
  secret(from: Checked<unknown>, field: string, ref: { name: string; key: string }): string | null {
    const data = this.secrets.get(`${from.namespace}/${ref.name}`);
    if (!data) {
      // Once per field, however many of the Secret's keys the field needs.
      const once = `${from.kind}/${from.namespace}/${from.name}/${field}/${ref.name}`;
      if (this.reported.has(once)) return null;
      this.reported.add(once);
      const e = { kind: from.kind, namespace: from.namespace, name: from.name, field, source: from.source };
      if (this.options.missingSecrets === 'warn')
        this.warnings.push({ ...e, message: `Secret "${ref.name}" is not in the manifests (skipped)` });
      else this.errors.push({ ...e, message: `Secret "${ref.name}" not found in namespace ${from.namespace}` });
      return null;
    }
    // Own keys only: a key named `constructor` or `toString` is not in the Secret.
    const value = Object.hasOwn(data, ref.key) ? data[ref.key] : undefined;
    if (value === undefined) {
      this.error(
        from,
        field,
        `Secret "${ref.name}" has no key "${ref.key}" (keys: ${Object.keys(data).join(', ') || 'none'})`,
      );
      return null;
    }
    if (value.length === 0) {
      this.error(from, field, `Secret "${ref.name}" key "${ref.key}" is empty`);
      return null;
    }
    return value;
  }

  /** Resolves every listed key of a multi-key Secret. */
  secretKeys(from: Checked<unknown>, field: string, name: string, keys: string[]): Record<string, string> | null {
    const out: Record<string, string> = {};
    let ok = true;
    for (const key of keys) {
      const v = this.secret(from, field, { name, key });
      if (v === null) ok = false;
      else out[key] = v;
    }
    return ok ? out : null;
  }
}
