// Status of the custom resources: what it should be (pure: a function of the compile result and the
// object), whether a write is needed, and the write itself, by server-side apply on the /status
// subresource under one field manager. A status write bumps the resourceVersion but not the
// generation; the operator reconciles on generation changes only, so its own writes never loop.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, KINDS } from '../../router/config/resources/index.ts';
import type { KubeObject } from './informers.ts';

export const FIELD_MANAGER = 'switchboard-operator';

export interface Condition {
  type: 'Ready';
  status: 'True' | 'False';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime?: string;
}

export interface DesiredStatus {
  conditions: Condition[];
  observedGeneration: number;
  /** Tenants only: the revision of the compiled config in force. */
  configRevision?: string;
}

export interface StatusInput {
  kind: string;
  generation: number;
  /** Messages of the errors that name this resource (`spec.serviceLevel: ServiceLevel "x" not found ...`). */
  errors: string[];
  /** Whether the whole configuration compiled (and so is in force). */
  compiled: boolean;
  /** Revision of the snapshot in force, or null when none was ever written. */
  revision: number | null;
}

/** What the status of one resource should be. Pure. */
export function desiredStatus(i: StatusInput): DesiredStatus {
  let cond: Omit<Condition, 'observedGeneration'>;
  if (i.errors.length > 0) {
    cond = {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidConfig',
      message:
        i.errors.join('; ') +
        (i.revision === null ? '' : ` (config revision ${i.revision} stays in force; nothing of this change applied)`),
    };
  } else if (i.compiled) {
    cond = {
      type: 'Ready',
      status: 'True',
      reason: 'Compiled',
      message: `in force in config revision ${i.revision ?? 0}`,
    };
  } else {
    cond = {
      type: 'Ready',
      status: 'True',
      reason: 'Valid',
      message: `valid, but other resources have errors, so config revision ${i.revision ?? '(none)'} stays in force`,
    };
  }
  const out: DesiredStatus = {
    conditions: [{ ...cond, observedGeneration: i.generation }],
    observedGeneration: i.generation,
  };
  if (i.kind === 'Tenant' && i.revision !== null) out.configRevision = String(i.revision);
  return out;
}

function readyOf(status: Record<string, unknown> | undefined): Partial<Condition> | undefined {
  const conds = status?.['conditions'];
  if (!Array.isArray(conds)) return undefined;
  return conds.find((c) => (c as { type?: unknown }).type === 'Ready') as Partial<Condition> | undefined;
}

/** Whether the object's current status already says what DESIRED says (lastTransitionTime aside). */
export function statusUpToDate(current: Record<string, unknown> | undefined, desired: DesiredStatus): boolean {
  const want = desired.conditions[0] as Condition;
  const have = readyOf(current);
  return (
    !!have &&
    have.status === want.status &&
    have.reason === want.reason &&
    have.message === want.message &&
    have.observedGeneration === want.observedGeneration &&
    current?.['observedGeneration'] === desired.observedGeneration &&
    (current?.['configRevision'] ?? undefined) === desired.configRevision
  );
}

/** DESIRED with lastTransitionTime: kept from the current condition when its status did not change. */
export function withTransitionTimes(
  current: Record<string, unknown> | undefined,
  desired: DesiredStatus,
  now: number,
): DesiredStatus {
  const have = readyOf(current);
  return {
    ...desired,
    conditions: desired.conditions.map((c) => ({
      ...c,
      lastTransitionTime:
        have?.status === c.status && typeof have.lastTransitionTime === 'string'
          ? have.lastTransitionTime
          : new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })),
  };
}

const plurals = new Map(KINDS.map((k) => [k.kind, k.plural]));

/** Writes status and Events to the API server. */
export class StatusWriter {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly instance: string,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Server-side apply of STATUS on OBJ's /status subresource; false when the object is gone. */
  async apply(obj: KubeObject, status: DesiredStatus): Promise<boolean> {
    const plural = plurals.get(obj.kind);
    if (!plural) throw new Error(`not a Switchboard kind: ${obj.kind}`);
    try {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: API_GROUP,
          version: API_VERSION,
          namespace: obj.metadata.namespace,
          plural,
          name: obj.metadata.name,
          body: {
            apiVersion: `${API_GROUP}/${API_VERSION}`,
            kind: obj.kind,
            metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
            status,
          },
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return false;
      throw e;
    }
  }

  /** A core/v1 Event on OBJ (shown by `kubectl describe` and `kubectl events`). */
  async event(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: number,
  ): Promise<void> {
    const time = new Date(now);
    await this.core.createNamespacedEvent({
      namespace: obj.metadata.namespace,
      body: {
        metadata: {
          name: `${obj.metadata.name}.${now.toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
          namespace: obj.metadata.namespace,
        },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        type,
        reason,
        message: message.slice(0, 1024),
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
        source: { component: FIELD_MANAGER },
        reportingComponent: FIELD_MANAGER,
        reportingInstance: this.instance,
      },
    });
  }
}
