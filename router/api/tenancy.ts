// Which tenant each alert belongs to. Pure.
import type { AlertDraft } from '../alert.ts';
import type { RouterConfig } from '../config/compiled.ts';
import { matchesAll } from '../config/matchers.ts';
import type { Principal } from './auth.ts';

export interface Assignment {
  byTenant: Map<string, AlertDraft[]>;
  /** Indexes of alerts no tenant claims. */
  unclaimed: number[];
}

/**
 * A tenant token opens exactly its tenant. The admin and shared tokens route each alert by the
 * tenants' `spec.match` labels (the first tenant by name whose match is non-empty and matches).
 */
export function assignTenants(p: Principal, drafts: AlertDraft[], config: RouterConfig): Assignment {
  const byTenant = new Map<string, AlertDraft[]>();
  const unclaimed: number[] = [];
  const add = (t: string, d: AlertDraft) => {
    const list = byTenant.get(t);
    if (list) list.push(d);
    else byTenant.set(t, [d]);
  };
  if (p.kind === 'tenant') {
    for (const d of drafts) add(p.tenant, d);
    return { byTenant, unclaimed };
  }
  const claimers = Object.values(config.tenants)
    .filter((t) => t.match.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
  drafts.forEach((d, i) => {
    const t = claimers.find((c) => matchesAll(c.match, d.labels));
    if (t) add(t.name, d);
    else unclaimed.push(i);
  });
  return { byTenant, unclaimed };
}
