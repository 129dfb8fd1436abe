// The model of a tenant's status page (GET /status/{tenant}, /api/v1/status/{tenant}). Pure: everything,
// `now` included, is passed in. Only what a customer may see leaves here: component states, the tenant's
// open incidents with their public status, customer-visible notes (never internal ones) and uptime bars.
import type { AlertStatus, Severity } from '../alert.ts';
import type { TenantConfig } from '../config/compiled.ts';
import { matchesAll } from '../config/matchers.ts';
import type { Incident, IncidentEvent } from '../incidents/model.ts';

export type ComponentState = 'operational' | 'degraded' | 'outage';
export type PublicStatus = NonNullable<IncidentEvent['publicStatus']>;

export const UPTIME_DAYS = 90;
const DAY_MS = 86_400_000;
const RANK: Record<ComponentState, number> = { operational: 0, degraded: 1, outage: 2 };

/** One incident as the page needs it: its alerts (labels, severity, status in it) and its timeline. */
export interface StatusIncidentInput {
  incident: Incident;
  alerts: { labels: Record<string, string>; severity: Severity; status: AlertStatus }[];
  /** The incident's timeline (only needed for open incidents); anything but customer notes is ignored. */
  events: IncidentEvent[];
}

export interface StatusPage {
  tenant: string;
  displayName: string;
  generatedAt: string;
  /** The worst component state (operational when there are no components). */
  overall: ComponentState;
  components: {
    name: string;
    displayName: string;
    state: ComponentState;
    /** Share of the last 90 UTC days (today up to now) without an outage, in percent (3 decimals). */
    uptimePercent: number;
    /** Oldest first; `outage` is the fraction of the day (elapsed part for today) with an outage. */
    days: { date: string; outage: number }[];
  }[];
  incidents: {
    id: string;
    title: string;
    severity: Severity;
    /** The status of the latest customer note that set one; `investigating` until then. */
    status: PublicStatus;
    openedAt: string;
    /** Components affected by its firing alerts. */
    components: string[];
    /** Customer-visible notes, newest first. */
    updates: { at: string; status: PublicStatus | null; text: string }[];
  }[];
}

const stateOf = (s: Severity): ComponentState => (s === 'critical' || s === 'high' ? 'outage' : 'degraded');
const worse = (a: ComponentState, b: ComponentState) => (RANK[b] > RANK[a] ? b : a);

export function statusPage(input: {
  tenant: TenantConfig;
  incidents: Iterable<StatusIncidentInput>;
  now: number;
}): StatusPage {
  const { tenant, now } = input;
  const comps = tenant.statusPage.components;
  const own = [...input.incidents].filter((x) => x.incident.tenant === tenant.name);
  const state = new Map<string, ComponentState>(comps.map((c) => [c.name, 'operational']));
  const outages = new Map<string, [number, number][]>(comps.map((c) => [c.name, []]));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const windowStart = today - (UPTIME_DAYS - 1) * DAY_MS;
  const incidents: StatusPage['incidents'] = [];

  for (const { incident: i, alerts, events } of own) {
    const open = i.status !== 'resolved';
    const from = Date.parse(i.openedAt);
    const to = i.resolvedAt ? Date.parse(i.resolvedAt) : now;
    const affected: string[] = [];
    for (const c of comps) {
      const hits = alerts.filter((a) => matchesAll(c.matchers, a.labels));
      if (open) {
        for (const a of hits.filter((x) => x.status === 'firing')) {
          state.set(c.name, worse(state.get(c.name) ?? 'operational', stateOf(a.severity)));
          if (!affected.includes(c.name)) affected.push(c.name);
        }
      }
      // Uptime: the incident's whole life counts as an outage of a component one of its critical/high alerts
      // hit (while open: one still firing, so the bar agrees with the current state).
      const down = hits.some((a) => stateOf(a.severity) === 'outage' && (!open || a.status === 'firing'));
      if (down && to > windowStart && from < now) {
        outages.get(c.name)?.push([Math.max(from, windowStart), Math.min(to, now)]);
      }
    }
    if (!open) continue;
    const notes = events
      .filter((e) => e.type === 'incident.note' && e.visibility === 'customer' && e.incidentId === i.id)
      .sort((a, b) => b.at.localeCompare(a.at));
    incidents.push({
      id: i.id,
      title: i.title,
      severity: i.severity,
      status: notes.find((n) => n.publicStatus)?.publicStatus ?? 'investigating',
      openedAt: i.openedAt,
      components: affected,
      updates: notes.map((n) => ({ at: n.at, status: n.publicStatus ?? null, text: n.text ?? '' })),
    });
  }
  incidents.sort((a, b) => b.openedAt.localeCompare(a.openedAt));

  const components = comps.map((c) => {
    const spans = merge(outages.get(c.name) ?? []);
    const days: StatusPage['components'][number]['days'] = [];
    let down = 0;
    for (let d = windowStart; d <= today; d += DAY_MS) {
      const end = Math.min(d + DAY_MS, now);
      const len = end - d;
      const ms = spans.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, end) - Math.max(a, d)), 0);
      down += ms;
      days.push({ date: new Date(d).toISOString().slice(0, 10), outage: len > 0 ? round(ms / len, 4) : 0 });
    }
    const total = now - windowStart;
    return {
      name: c.name,
      displayName: c.displayName,
      state: state.get(c.name) ?? 'operational',
      uptimePercent: total > 0 ? round(100 * (1 - down / total), 3) : 100,
      days,
    };
  });

  return {
    tenant: tenant.name,
    displayName: tenant.displayName,
    generatedAt: new Date(now).toISOString(),
    overall: components.reduce<ComponentState>((w, c) => worse(w, c.state), 'operational'),
    components,
    incidents,
  };
}

/** Overlapping intervals joined, so overlapping incidents are not counted twice. */
function merge(spans: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else if (b > a) out.push([a, b]);
  }
  return out;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
