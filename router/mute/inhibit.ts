// Inhibition (Tenant.inhibitRules): while a source alert fires, target alerts whose `equal` labels have the
// same values page nobody. Within one tenant only: the index is keyed by tenant, so one customer's outage
// never mutes another customer's alerts.
//
// Alertmanager keeps its inhibition sources in memory and starts empty, so right after a restart every
// target pages until its source fires again (#2229, #2628, #1153). Here the index is rebuilt from the
// stored alert states before the consumer resumes, and kept current from every alert state change.
//
// Semantics (as in Alertmanager):
// - Matchers see the alert's labels with `severity` set to its decided severity (matchableLabels).
// - `equal` compares values; a label missing on both sides counts as equal (both are "").
// - An alert that matches a rule's source and target is not inhibited by itself, only by another source.
// - A source inhibits while it fires, even when it is muted itself (a silenced node-down still explains
//   its services being down).
import type { Alert } from '../alert.ts';
import type { TenantConfig } from '../config/compiled.ts';
import { formatMatcher, matchesAll } from '../config/matchers.ts';
import { matchableLabels } from '../incidents/decide.ts';
import type { AlertState } from '../incidents/model.ts';
import type { Muter, MuteSubject, MuteVerdict } from './muter.ts';

export type InhibitRule = TenantConfig['inhibitRules'][number];

/** A firing alert as the index holds it. */
interface FiringAlert {
  fingerprint: string;
  summary: string;
  /** Matchable labels (with the decided severity). */
  labels: Record<string, string>;
}

/** The source alert that mutes a target, and the rule by which it does. */
export interface Inhibitor {
  rule: InhibitRule;
  ruleIndex: number;
  source: { fingerprint: string; summary: string };
}

/** What the index needs of an alert: an Alert, or an AlertState with its tenant. */
export type IndexedAlert = Pick<Alert, 'tenant' | 'fingerprint' | 'labels' | 'severity' | 'summary'>;

function equalKey(equal: readonly string[], labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(equal.map((n) => labels[n] ?? ''));
}

/** Per tenant: its rules, its firing alerts, and per rule the firing sources by their equal-label values. */
interface TenantIndex {
  rules: readonly InhibitRule[];
  firing: Map<string, FiringAlert>;
  /** sources[ruleIndex]: equal key -> fingerprints of firing alerts matching the rule's source matchers. */
  sources: Map<string, Set<string>>[];
}

/**
 * The firing alerts of every tenant that has inhibition rules, indexed so that asking whether an alert is
 * inhibited costs one lookup per rule, not a scan over the firing alerts (a storm of thousands of alerts
 * asks thousands of times). Tenants without rules are not tracked.
 *
 * `firing` and `resolved` are idempotent set operations keyed by tenant and fingerprint, so feeding the
 * same change twice (the pipeline early, then the store's watch) is harmless.
 */
export class InhibitionIndex {
  private readonly tenants = new Map<string, TenantIndex>();

  constructor(tenants: Readonly<Record<string, TenantConfig>>) {
    this.setRules(tenants);
  }

  /** Applies a new config: rules may have changed, so the sources are indexed anew from the firing alerts. */
  setRules(tenants: Readonly<Record<string, TenantConfig>>): void {
    const previous = new Map(this.tenants);
    this.tenants.clear();
    for (const t of Object.values(tenants)) {
      if (t.inhibitRules.length === 0) continue;
      const index: TenantIndex = {
        rules: t.inhibitRules,
        firing: new Map(),
        sources: t.inhibitRules.map(() => new Map()),
      };
      this.tenants.set(t.name, index);
      for (const a of previous.get(t.name)?.firing.values() ?? []) this.add(index, a);
    }
  }

  /**
   * Replaces everything with the firing alerts among `states` (the stored alert states, e.g. after a
   * restart). Resolved states are skipped. Rules stay as they are.
   */
  rebuild(states: Iterable<{ tenant: string; state: AlertState }>): void {
    for (const index of this.tenants.values()) {
      index.firing.clear();
      for (const bucket of index.sources) bucket.clear();
    }
    for (const { tenant, state } of states) {
      if (state.status === 'firing') this.firing({ ...state, tenant });
    }
  }

  /** The alert fires (again, or with changed labels). */
  firing(alert: IndexedAlert): void {
    const index = this.tenants.get(alert.tenant);
    if (!index) return;
    this.remove(index, alert.fingerprint);
    this.add(index, { fingerprint: alert.fingerprint, summary: alert.summary, labels: matchableLabels(alert) });
  }

  /**
   * The alert no longer fires. True when it was the last firing source of some rule for its equal-label
   * values: targets it inhibited may page now, so the caller re-checks the tenant's alerts muted as
   * `inhibited`.
   */
  resolved(alert: Pick<Alert, 'tenant' | 'fingerprint'>): boolean {
    const index = this.tenants.get(alert.tenant);
    if (!index) return false;
    return this.remove(index, alert.fingerprint);
  }

  /** How many firing alerts the index holds for a tenant (for tests and diagnostics). */
  firingCount(tenant: string): number {
    return this.tenants.get(tenant)?.firing.size ?? 0;
  }

  /** The first rule (in the tenant's order) and a firing source that inhibit `alert`, or null. */
  inhibitorOf(alert: Pick<Alert, 'tenant' | 'fingerprint' | 'labels' | 'severity'>): Inhibitor | null {
    const index = this.tenants.get(alert.tenant);
    if (!index) return null;
    const labels = matchableLabels(alert);
    for (const [ruleIndex, rule] of index.rules.entries()) {
      if (!matchesAll(rule.target, labels)) continue;
      const bucket = index.sources[ruleIndex]?.get(equalKey(rule.equal, labels));
      if (!bucket) continue;
      for (const fingerprint of bucket) {
        if (fingerprint === alert.fingerprint) continue;
        const source = index.firing.get(fingerprint);
        if (source) return { rule, ruleIndex, source: { fingerprint, summary: source.summary } };
      }
    }
    return null;
  }

  private add(index: TenantIndex, a: FiringAlert): void {
    index.firing.set(a.fingerprint, a);
    for (const [i, rule] of index.rules.entries()) {
      if (!matchesAll(rule.source, a.labels)) continue;
      const buckets = index.sources[i] as Map<string, Set<string>>;
      const key = equalKey(rule.equal, a.labels);
      const bucket = buckets.get(key);
      if (bucket) bucket.add(a.fingerprint);
      else buckets.set(key, new Set([a.fingerprint]));
    }
  }

  /** Removes a firing alert; true when that emptied a source bucket. */
  private remove(index: TenantIndex, fingerprint: string): boolean {
    const a = index.firing.get(fingerprint);
    if (!a) return false;
    index.firing.delete(fingerprint);
    let released = false;
    for (const [i, rule] of index.rules.entries()) {
      const buckets = index.sources[i] as Map<string, Set<string>>;
      const key = equalKey(rule.equal, a.labels);
      const bucket = buckets.get(key);
      if (!bucket?.delete(fingerprint)) continue;
      if (bucket.size === 0) {
        buckets.delete(key);
        released = true;
      }
    }
    return released;
  }
}

function describeRule(rule: InhibitRule, ruleIndex: number): string {
  const list = (ms: InhibitRule['source']) => `[${ms.map(formatMatcher).join(', ')}]`;
  const equal = rule.equal.length > 0 ? `, equal [${rule.equal.join(', ')}]` : '';
  return `inhibitRules[${ruleIndex}] (source ${list(rule.source)}, target ${list(rule.target)}${equal})`;
}

/** Mutes alerts that a firing source alert of the same tenant inhibits, as the index says at the moment asked. */
export class InhibitMuter implements Muter {
  readonly reason = 'inhibited' as const;

  constructor(private readonly index: InhibitionIndex) {}

  mutes(alert: MuteSubject): MuteVerdict | null {
    const found = this.index.inhibitorOf(alert);
    if (!found) return null;
    return {
      reason: 'inhibited',
      detail: `inhibited by firing alert "${found.source.summary}" (${found.source.fingerprint}) under ${describeRule(found.rule, found.ruleIndex)}`,
      // Ends when the source resolves, which `InhibitionIndex.resolved` reports.
      until: null,
    };
  }
}
