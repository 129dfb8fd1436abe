// What a configuration change changed, by resource: `Kind/namespace/name` added, removed or changed.
// Names only, never values: a rotated Secret shows as the resource that references it having changed. Pure.
import type { RouterConfig } from '../config/compiled.ts';

export interface ConfigDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

const KINDS: [keyof Omit<RouterConfig, 'hash'>, string][] = [
  ['tenants', 'Tenant'],
  ['serviceLevels', 'ServiceLevel'],
  ['schedules', 'OnCallSchedule'],
  ['policies', 'EscalationPolicy'],
  ['responders', 'Responder'],
  ['channels', 'Channel'],
  ['maintenanceWindows', 'MaintenanceWindow'],
];

/** Each resource of CONFIG as `Kind/namespace/name` → a fingerprint of its compiled form. */
function resources(config: RouterConfig | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!config) return out;
  for (const [field, kind] of KINDS) {
    const value = config[field] as Record<string, unknown> | unknown[];
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [nameOf(v) ?? String(i), v])
      : Object.entries(value);
    for (const [key, v] of entries) out.set(`${kind}/${namespaceOf(v)}/${nameOf(v) ?? key}`, JSON.stringify(v));
  }
  return out;
}

const namespaceOf = (v: unknown): string => {
  const ns = (v as { namespace?: unknown })?.namespace;
  return typeof ns === 'string' ? ns : '';
};
const nameOf = (v: unknown): string | undefined => {
  const n = (v as { name?: unknown })?.name;
  return typeof n === 'string' ? n : undefined;
};

export function configDiff(before: RouterConfig | null, after: RouterConfig): ConfigDiff {
  const a = resources(before);
  const b = resources(after);
  const diff: ConfigDiff = { added: [], removed: [], changed: [] };
  for (const [k, v] of b) {
    if (!a.has(k)) diff.added.push(k);
    else if (a.get(k) !== v) diff.changed.push(k);
  }
  for (const k of a.keys()) if (!b.has(k)) diff.removed.push(k);
  for (const list of Object.values(diff)) list.sort();
  return diff;
}
