// Informers on the seven kinds: a local cache of every object, kept current by a watch. Secrets are not
// listed or watched; the operator GETs the referenced ones by name (operator/kube/secrets.ts).
// Built on @kubernetes/client-node's ListWatch, which re-lists by itself after a 410 Gone and re-watches
// after a watch that ended cleanly, but STOPS on any other error (connection refused, reset, 5xx, a
// failed list). Every such stop is restarted here with exponential backoff, from the last
// resourceVersion (a resourceVersion that is too old by then gives a 410, and a fresh list).
import { CustomObjectsApi, type KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, KINDS } from '../../router/config/resources/index.ts';
import { backoffDelay, realScheduler, type Scheduler } from './work-queue.ts';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  spec?: unknown;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerSource {
  kind: string;
  apiVersion: string;
  /** Plural of the kind in its API group (`tenants`, `secrets`). */
  plural: string;
  /** null: all namespaces. */
  namespace: string | null;
}

export interface InformerOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  schedule?: Scheduler;
  onEvent: (event: InformerEvent, obj: KubeObject, source: InformerSource) => void;
  onError?: (err: unknown, source: InformerSource, retryInMs: number) => void;
}

type ListFn = () => Promise<{ items: KubeObject[]; metadata?: { resourceVersion?: string } }>;

/** One kind in one namespace (or all): list, watch, restart with backoff on every error. */
export class ResilientInformer {
  private readonly lw: ListWatch<KubeObject>;
  private failures = 0;
  private stopped = true;
  private cancelRetry: (() => void) | null = null;
  private readonly schedule: Scheduler;
  /** Restarts after errors, for metrics and tests. */
  restarts = 0;
  /** Full lists: the first, and one after each 410 Gone (a resumed watch continues without one). */
  lists = 0;

  constructor(
    watch: Watch,
    readonly source: InformerSource,
    path: string,
    list: ListFn,
    private readonly o: InformerOptions,
  ) {
    this.schedule = o.schedule ?? realScheduler;
    // The library types list items as the API's own classes; ours are plain objects.
    const counted: ListFn = () => {
      this.lists++;
      return list();
    };
    this.lw = new ListWatch<KubeObject>(path, watch, counted as never, false);
    const normalise = (obj: KubeObject): KubeObject => ({
      ...obj,
      apiVersion: obj.apiVersion ?? source.apiVersion,
      kind: obj.kind ?? source.kind,
    });
    this.lw.on('add', (obj) => this.ok('add', normalise(obj)));
    this.lw.on('update', (obj) => this.ok('update', normalise(obj)));
    this.lw.on('delete', (obj) => this.ok('delete', normalise(obj)));
    this.lw.on('error', (err) => this.failed(err));
  }

  /** True once a list has succeeded (the cache holds every object). */
  get synced(): boolean {
    return this.lw.latestResourceVersion() !== '' || this.listedOnce;
  }
  private listedOnce = false;

  private ok(event: InformerEvent, obj: KubeObject): void {
    this.failures = 0;
    this.o.onEvent(event, obj, this.source);
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    this.failures++;
    this.restarts++;
    const ms = backoffDelay(this.failures, this.o.baseDelayMs ?? 200, this.o.maxDelayMs ?? 30_000);
    this.o.onError?.(err, this.source, ms);
    this.cancelRetry?.();
    this.cancelRetry = this.schedule(() => {
      this.cancelRetry = null;
      void this.run();
    }, ms);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.lw.start();
      // A successful list and watch ends a run of failures: the next failure starts again from the
      // shortest delay (otherwise a quiet kind kept the long delay earned during an outage).
      this.failures = 0;
      if (this.lw.latestResourceVersion() !== '') this.listedOnce = true;
    } catch (e) {
      this.failed(e);
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.run();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    void this.lw.stop();
  }

  /**
   * For tests: drops the current watch and makes it resume from resourceVersion 1, long compacted, so
   * the API server answers 410 Gone and the cache is listed afresh.
   */
  forceStaleWatch(): void {
    const lw = this.lw as unknown as { resourceVersion: string; request?: AbortController };
    lw.resourceVersion = '1';
    lw.request?.abort();
  }

  list(): KubeObject[] {
    return this.lw.list().map((o) => ({
      ...o,
      apiVersion: o.apiVersion ?? this.source.apiVersion,
      kind: o.kind ?? this.source.kind,
    }));
  }

  get(name: string, namespace: string): KubeObject | undefined {
    return this.lw.get(name, namespace);
  }
}

/** The informers of the operator: one per kind and namespace (or all namespaces). */
export class Informers {
  readonly all: ResilientInformer[] = [];

  constructor(kc: KubeConfig, namespaces: string[] | null, o: InformerOptions) {
    const watch = new Watch(kc);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const scopes: (string | null)[] = namespaces && namespaces.length > 0 ? namespaces : [null];
    for (const namespace of scopes) {
      for (const k of KINDS) {
        const source: InformerSource = {
          kind: k.kind,
          apiVersion: `${API_GROUP}/${API_VERSION}`,
          plural: k.plural,
          namespace,
        };
        const base = `/apis/${API_GROUP}/${API_VERSION}`;
        const path = namespace ? `${base}/namespaces/${namespace}/${k.plural}` : `${base}/${k.plural}`;
        const list: ListFn = () =>
          namespace
            ? custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: k.plural })
            : custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: k.plural });
        this.all.push(new ResilientInformer(watch, source, path, list, o));
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.all.map((i) => i.start()));
  }

  stop(): void {
    for (const i of this.all) i.stop();
  }

  get synced(): boolean {
    return this.all.every((i) => i.synced);
  }

  get restarts(): number {
    return this.all.reduce((n, i) => n + i.restarts, 0);
  }

  /** Every cached object of KIND (a Switchboard kind). */
  list(kind: string): KubeObject[] {
    return this.all.filter((i) => i.source.kind === kind).flatMap((i) => i.list());
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    for (const i of this.all) {
      if (i.source.kind !== kind) continue;
      if (i.source.namespace !== null && i.source.namespace !== namespace) continue;
      const o = i.get(name, namespace);
      if (o) return { ...o, apiVersion: o.apiVersion ?? i.source.apiVersion, kind: o.kind ?? i.source.kind };
    }
    return undefined;
  }
}
