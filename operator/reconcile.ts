// Reconcile: every Switchboard resource from the informer caches and every Secret they reference, read
// by name (operator/kube/secrets.ts),
// through compile() (the same function as `switchboard validate`), into one snapshot in the KV bucket
// `sb-config`, written by compare-and-set and only when its hash changed. A configuration with errors
// writes nothing: the last good snapshot stays in force, the resources named by an error get
// Ready=False with the error, all others Ready=True. Status is then written per resource (status keys
// in the work queue), skipped when it would not change.
import type { KV } from '@nats-io/kv';
import type { Clock } from '../router/clock.ts';
import { compile } from '../router/config/compile/index.ts';
import type { Resource } from '../router/config/manifest.ts';
import { KIND_NAMES } from '../router/config/resources/index.ts';
import { type ConfigSnapshot, decodeSnapshot, encodeSnapshot, SNAPSHOT_KEY } from '../router/config/snapshot.ts';
import type { Logger } from '../router/log.ts';
import type { KubeObject } from './kube/informers.ts';
import type { ReferencedSecrets } from './kube/secrets.ts';
import {
  type DesiredStatus,
  desiredStatus,
  type StatusWriter,
  statusUpToDate,
  withTransitionTimes,
} from './kube/status.ts';
import type { OperatorMetrics } from './metrics.ts';

export const CONFIG_KEY = 'config';
export const statusKey = (kind: string, namespace: string, name: string) => `status/${kind}/${namespace}/${name}`;
export const objectKey = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/** What reconcile reads: the informer caches. */
export interface ObjectCache {
  synced: boolean;
  list(kind: string): KubeObject[];
  get(kind: string, namespace: string, name: string): KubeObject | undefined;
}

/** `namespace/name` of every Secret a spec references (any `…SecretRef` / `secretRef` field). Pure. */
export function referencedSecrets(objects: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, ns: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, ns);
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const name = (x as { name?: unknown } | null)?.name;
      if (/secretref$/i.test(k) && typeof name === 'string') out.add(`${ns}/${name}`);
      else walk(x, ns);
    }
  };
  for (const o of objects) walk(o.spec, o.metadata.namespace);
  return out;
}

/** The compiler's input from cached objects: Switchboard resources and the Secrets they reference. Pure. */
export function compileInputs(
  resources: readonly KubeObject[],
  secrets: readonly KubeObject[],
): { inputs: Resource[]; referenced: Set<string> } {
  const referenced = referencedSecrets(resources);
  const inputs: Resource[] = resources.map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, generation: o.metadata.generation },
    spec: o.spec,
  }));
  for (const s of secrets) {
    if (!referenced.has(`${s.metadata.namespace}/${s.metadata.name}`)) continue;
    inputs.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: s.metadata.name, namespace: s.metadata.namespace },
      data: s.data,
      stringData: s.stringData,
    });
  }
  return { inputs, referenced };
}

export interface ReconcileOutcome {
  outcome: 'written' | 'unchanged' | 'invalid' | 'not-synced' | 'not-leader';
  revision: number | null;
  errors: number;
  /** Status keys to enqueue (resources whose status is not what it should be). */
  statusKeys: string[];
  durationMs: number;
}

export class Reconciler {
  /** What the status of each resource (by objectKey) should be, from the last reconcile. */
  private desired = new Map<string, DesiredStatus>();
  /** The Warning message last sent per resource, so a repeated write sends no second Event. */
  private readonly warned = new Map<string, string>();
  /** The snapshot in force, as last read or written. */
  snapshot: Pick<ConfigSnapshot, 'revision' | 'hash'> | null = null;

  constructor(
    private readonly cache: ObjectCache,
    private readonly kv: KV,
    private readonly writer: StatusWriter,
    private readonly metrics: OperatorMetrics,
    private readonly isLeader: () => boolean,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly secrets: ReferencedSecrets,
  ) {}

  /** Whether OBJ's status differs from what the last reconcile decided (for updates of status alone). */
  statusStale(obj: KubeObject): boolean {
    const d = this.desired.get(objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name));
    return !!d && d.observedGeneration === obj.metadata.generation && !statusUpToDate(obj.status, d);
  }

  private async readSnapshot(): Promise<{ kvRevision: number | null; snapshot: ConfigSnapshot | null }> {
    const e = await this.kv.get(SNAPSHOT_KEY);
    if (!e) return { kvRevision: null, snapshot: null };
    if (e.operation !== 'PUT') return { kvRevision: e.revision, snapshot: null };
    try {
      return { kvRevision: e.revision, snapshot: decodeSnapshot(e.value) };
    } catch (err) {
      this.log.warn({ err }, 'the stored snapshot is unreadable; it will be replaced');
      return { kvRevision: e.revision, snapshot: null };
    }
  }

  /** Compile everything; write the snapshot when it changed; decide every status. */
  async reconcileConfig(): Promise<ReconcileOutcome> {
    const started = performance.now();
    const done = (o: Omit<ReconcileOutcome, 'durationMs'>): ReconcileOutcome => {
      const durationMs = performance.now() - started;
      if (o.outcome !== 'not-leader' && o.outcome !== 'not-synced') {
        this.metrics.reconcileDuration.observe(durationMs / 1000);
        this.metrics.reconciles.inc({ outcome: o.outcome });
      }
      return { ...o, durationMs };
    };
    if (!this.isLeader()) return done({ outcome: 'not-leader', revision: null, errors: 0, statusKeys: [] });
    if (!this.cache.synced) return done({ outcome: 'not-synced', revision: null, errors: 0, statusKeys: [] });

    const objects = KIND_NAMES.flatMap((k) => this.cache.list(k));
    const { inputs } = compileInputs(objects, await this.secrets.read(referencedSecrets(objects)));
    const result = compile(inputs);
    const stored = await this.readSnapshot();
    let revision = stored.snapshot?.revision ?? null;
    let outcome: ReconcileOutcome['outcome'];
    const errorsByObject = new Map<string, string[]>();

    if (result.ok) {
      if (stored.snapshot?.hash === result.config.hash) {
        outcome = 'unchanged';
      } else {
        if (!this.isLeader()) return done({ outcome: 'not-leader', revision, errors: 0, statusKeys: [] });
        const next: ConfigSnapshot = {
          revision: (stored.snapshot?.revision ?? stored.kvRevision ?? 0) + 1,
          hash: result.config.hash,
          config: result.config,
          writtenAt: this.clock(),
        };
        const data = encodeSnapshot(next);
        // Compare-and-set: fails (and is retried from a fresh read) if anyone wrote in between.
        if (stored.kvRevision === null) await this.kv.create(SNAPSHOT_KEY, data);
        else await this.kv.update(SNAPSHOT_KEY, data, stored.kvRevision);
        revision = next.revision;
        outcome = 'written';
        this.log.info(
          { revision, hash: next.hash.slice(0, 12), bytes: data.length, resources: objects.length },
          'config snapshot written',
        );
      }
      this.snapshot = { revision: revision as number, hash: result.config.hash };
    } else {
      outcome = 'invalid';
      if (stored.snapshot) this.snapshot = { revision: stored.snapshot.revision, hash: stored.snapshot.hash };
      for (const e of result.errors) {
        this.metrics.reconcileErrors.inc({ kind: e.kind });
        const k = objectKey(e.kind, e.namespace, e.name);
        errorsByObject.set(k, [...(errorsByObject.get(k) ?? []), e.field ? `${e.field}: ${e.message}` : e.message]);
      }
      this.log.warn(
        { errors: result.errors.length, first: result.errors[0], revision },
        `configuration invalid; snapshot revision ${revision ?? '(none)'} stays in force`,
      );
    }
    if (revision !== null) this.metrics.configRevision.set(revision);

    const desired = new Map<string, DesiredStatus>();
    const statusKeys: string[] = [];
    for (const o of objects) {
      const { kind } = o;
      const { namespace, name } = o.metadata;
      const k = objectKey(kind, namespace, name);
      const d = desiredStatus({
        kind,
        generation: o.metadata.generation ?? 0,
        errors: errorsByObject.get(k) ?? [],
        compiled: result.ok,
        revision,
      });
      desired.set(k, d);
      if (!statusUpToDate(o.status, d)) statusKeys.push(statusKey(kind, namespace, name));
    }
    this.desired = desired;
    return done({ outcome, revision, errors: result.ok ? 0 : result.errors.length, statusKeys });
  }

  /** Writes the status of one resource if it is not what the last reconcile decided. */
  async reconcileStatus(key: string): Promise<'written' | 'up-to-date' | 'skipped'> {
    const [, kind = '', namespace = '', name = ''] = key.split('/');
    const k = objectKey(kind, namespace, name);
    const d = this.desired.get(k);
    const obj = this.cache.get(kind, namespace, name);
    // Gone, not reconciled yet, or changed since (its config reconcile is queued): nothing to write.
    if (!d || !obj || obj.metadata.generation !== d.observedGeneration) return 'skipped';
    if (statusUpToDate(obj.status, d)) return 'up-to-date';
    if (!this.isLeader()) return 'skipped';
    const status = withTransitionTimes(obj.status, d, this.clock());
    try {
      if (!(await this.writer.apply(obj, status))) return 'skipped';
    } catch (e) {
      this.metrics.reconcileErrors.inc({ kind });
      throw e;
    }
    this.metrics.statusWrites.inc({ kind });
    const ready = d.conditions[0];
    if (ready?.status === 'False') {
      if (this.warned.get(k) !== ready.message) {
        this.warned.set(k, ready.message);
        await this.writer
          .event(obj, 'Warning', ready.reason, ready.message, this.clock())
          .catch((err) => this.log.warn({ err, resource: k }, 'cannot record an Event'));
      }
    } else {
      this.warned.delete(k);
    }
    return 'written';
  }
}
