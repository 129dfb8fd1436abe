// compile(resources) -> RouterConfig | every error. Pure: the same function serves `switchboard validate`,
// local mode (`router --config DIR`) and the operator, so all three agree on what is valid.
import { canonicalJson } from '../../util/canonical-json.ts';
import type { RouterConfig, TenantConfig } from '../compiled.ts';
import type { Resource } from '../manifest.ts';
import {
  API_GROUP,
  API_GROUP_VERSION,
  type ChannelSpec,
  type EscalationPolicySpec,
  KIND_NAMES,
  type KindName,
  type MaintenanceWindowSpec,
  NAME_PATTERN,
  type OnCallScheduleSpec,
  type ResponderSpec,
  type ServiceLevelSpec,
  type TenantSpec,
} from '../resources/index.ts';
import { validateSpec } from '../schema-validation.ts';
import { compileChannel } from './channel.ts';
import { type Checked, CompileContext, type CompileOptions, type ConfigError } from './context.ts';
import { compileMaintenanceWindow } from './maintenance.ts';
import { checkPolicyReachable, compilePolicy } from './policy.ts';
import { compileResponder } from './responder.ts';
import { compileSchedule } from './schedule.ts';
import { compileServiceLevel } from './service-level.ts';
import { compileTenant, sha256 } from './tenant.ts';

export { type CompileOptions, type ConfigError, formatConfigError } from './context.ts';

export const DEFAULT_NAMESPACE = 'default';

export type CompileResult = (
  | { ok: true; config: RouterConfig; counts: Record<string, number>; ignored: string[] }
  | { ok: false; errors: ConfigError[]; counts: Record<string, number>; ignored: string[] }
) & {
  /** What does not stop the config (Secrets skipped with `missingSecrets: 'warn'`). */
  warnings: ConfigError[];
};

const NAME_RE = new RegExp(NAME_PATTERN);

function identity(r: Resource): { name: string; namespace: string } {
  const name = typeof r.metadata?.name === 'string' ? r.metadata.name : '';
  const namespace =
    typeof r.metadata?.namespace === 'string' && r.metadata.namespace ? r.metadata.namespace : DEFAULT_NAMESPACE;
  return { name, namespace };
}

function decodeSecret(ctx: CompileContext, r: Resource, namespace: string, name: string): void {
  const who = { kind: 'Secret', namespace, name, source: r.source } as unknown as Checked<unknown>;
  const data: Record<string, string> = {};
  for (const [field, encoded] of [
    ['data', true],
    ['stringData', false],
  ] as const) {
    const v = r[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) {
      ctx.error(who, field, 'must be a map of strings');
      continue;
    }
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') {
        ctx.error(who, `${field}.${k}`, 'must be a string');
      } else if (encoded && !/^[A-Za-z0-9+/]*={0,2}$/.test(val.replace(/\s/g, ''))) {
        ctx.error(who, `${field}.${k}`, 'is not base64 (use stringData for plain text)');
      } else {
        data[k] = encoded ? Buffer.from(val, 'base64').toString('utf8') : val;
      }
    }
  }
  if (ctx.secrets.has(`${namespace}/${name}`)) ctx.error(who, 'metadata.name', 'Secret is defined twice');
  ctx.secrets.set(`${namespace}/${name}`, data);
}

export function compile(resources: readonly Resource[], options: CompileOptions = {}): CompileResult {
  const ctx = new CompileContext(options);
  const counts: Record<string, number> = {};
  const ignored: string[] = [];
  const valid = new Map<KindName, Checked<unknown>[]>();

  for (const r of resources) {
    const { name, namespace } = identity(r);
    const kind = typeof r.kind === 'string' ? r.kind : '';
    const who = {
      kind: kind || '(no kind)',
      namespace,
      name: name || '(no name)',
      source: r.source,
    } as Checked<unknown>;
    if (r.apiVersion === 'v1' && kind === 'Secret') {
      if (!name) ctx.error(who, 'metadata.name', 'is required');
      else decodeSecret(ctx, r, namespace, name);
      continue;
    }
    const group = typeof r.apiVersion === 'string' ? r.apiVersion.split('/')[0] : '';
    if (group !== API_GROUP) {
      if (!kind || r.apiVersion === undefined)
        ctx.error(who, '', 'not a Kubernetes manifest: apiVersion and kind are required');
      // Not quoted into the `ignored` line: a nested array there overflows the stack (Array#toString).
      else if (typeof r.apiVersion !== 'string')
        ctx.error(who, 'apiVersion', `must be a string such as ${API_GROUP_VERSION}`);
      else ignored.push(`${r.apiVersion} ${kind} ${namespace}/${name}`);
      continue;
    }
    if (r.apiVersion !== API_GROUP_VERSION) {
      ctx.error(who, 'apiVersion', `"${String(r.apiVersion)}" is not served; use ${API_GROUP_VERSION}`);
      continue;
    }
    if (!KIND_NAMES.includes(kind)) {
      ctx.error(who, 'kind', `"${kind}" is not a Switchboard kind (kinds: ${KIND_NAMES.join(', ')})`);
      continue;
    }
    if (!name) {
      ctx.error(who, 'metadata.name', 'is required');
      continue;
    }
    if (!NAME_RE.test(name) || name.length > 63) {
      ctx.error(
        who,
        'metadata.name',
        'must be a lowercase name of letters, digits and "-" (DNS-1123), at most 63 characters',
      );
      continue;
    }
    const k = kind as KindName;
    counts[k] = (counts[k] ?? 0) + 1;
    const checked: Checked<unknown> = {
      kind: k,
      namespace,
      name,
      key: `${namespace}/${name}`,
      spec: r.spec,
      source: r.source,
    };
    if (ctx.get(k, namespace, name)) {
      ctx.error(checked, 'metadata.name', `${kind} ${namespace}/${name} is defined twice`);
      continue;
    }
    ctx.add(checked);
    const schemaErrors = validateSpec(k, r);
    for (const e of schemaErrors) ctx.error(checked, e.field, e.message);
    if (schemaErrors.length === 0) valid.set(k, [...(valid.get(k) ?? []), checked]);
  }

  const of = <S>(k: KindName) => (valid.get(k) ?? []) as Checked<S>[];
  const byKey = <T extends { key: string }>(items: T[]) => Object.fromEntries(items.map((i) => [i.key, i]));

  const serviceLevels = byKey(of<ServiceLevelSpec>('ServiceLevel').map((r) => compileServiceLevel(ctx, r)));
  const responders = byKey(of<ResponderSpec>('Responder').map((r) => compileResponder(ctx, r)));
  const schedules = byKey(of<OnCallScheduleSpec>('OnCallSchedule').map((r) => compileSchedule(ctx, r)));
  const channels = byKey(of<ChannelSpec>('Channel').map((r) => compileChannel(ctx, r)));
  const policies = byKey(
    of<EscalationPolicySpec>('EscalationPolicy').map((r) => {
      const p = compilePolicy(ctx, r);
      checkPolicyReachable(ctx, r, p, responders, schedules);
      return p;
    }),
  );
  const tenants: Record<string, TenantConfig> = {};
  /** Token digest -> the field that holds it (`Tenant "acme" spec.ingestTokenSecretRef`). */
  const tokenOwners = new Map<string, string>();
  for (const r of of<TenantSpec>('Tenant')) {
    const t = compileTenant(ctx, r);
    const existing = tenants[t.name];
    if (existing) {
      ctx.error(
        r,
        'metadata.name',
        `Tenant "${t.name}" also exists in namespace ${existing.namespace}; tenant names must be unique across namespaces (they appear in URLs and metrics)`,
      );
      continue;
    }
    for (const { field, digest } of tenantTokens(t)) {
      const owner = tokenOwners.get(digest);
      const here = `Tenant "${t.name}" ${field}`;
      // Two equal tokens would be one principal with two scopes (or tenants): the first one wins, silently.
      if (owner) ctx.error(r, field, `uses the same token as ${owner}; every token must be different`);
      else tokenOwners.set(digest, here);
    }
    tenants[t.name] = t;
  }
  // By key, so the hash does not depend on the order of the inputs (files, or an API server's list).
  const maintenanceWindows = of<MaintenanceWindowSpec>('MaintenanceWindow')
    .map((r) => compileMaintenanceWindow(ctx, r))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  if (ctx.errors.length > 0) {
    const order = (kind: string) => {
      const i = KIND_NAMES.indexOf(kind);
      return i < 0 ? -1 : i;
    };
    const errors = [...ctx.errors].sort(
      (a, b) => order(a.kind) - order(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
    );
    return { ok: false, errors, counts, ignored, warnings: ctx.warnings };
  }
  const body = { tenants, serviceLevels, schedules, policies, responders, channels, maintenanceWindows };
  return {
    ok: true,
    config: { hash: sha256(canonicalJson(body)), ...body },
    counts,
    ignored,
    warnings: ctx.warnings,
  };
}

/** The tokens a tenant declares, with the field each comes from. */
function tenantTokens(t: TenantConfig): { field: string; digest: string }[] {
  const all = [
    { field: 'spec.ingestTokenSecretRef', digest: t.ingestTokenSha256 },
    { field: 'spec.responderTokenSecretRef', digest: t.responderTokenSha256 },
    { field: 'spec.statusPage.viewerTokenSecretRef', digest: t.statusPage.viewerTokenSha256 },
  ];
  return all.filter((x): x is { field: string; digest: string } => x.digest !== null);
}
