// The model of a tenant's status page (GET /status/{tenant}, /api/v1/status/{tenant}). Pure: everything,
// `now` included, is passed in. Only what a customer may see leaves here: component states, the tenant's
// open incidents with their public status, customer-visible notes (never internal ones) and uptime bars.
import type { AlertStatus, Severity } from '../alert.ts';
import type { MaintenanceWindowConfig, TenantConfig } from '../config/compiled.ts';
import { matchesAll } from '../config/matchers.ts';
import type { Incident, IncidentEvent } from '../incidents/model.ts';
import { componentsDown, type DayBar, dailyBars, maintenanceSpans, type Span, uptime } from '../sla/uptime.ts';

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
    /**
     * Share of the last 90 UTC days (today up to now) without an outage, in percent (3 decimals); maintenance
     * of the component counts neither as up nor as down (router/sla/uptime.ts).
     */
    uptimePercent: number;
    /**
     * Oldest first; `outage` is the fraction of the day (elapsed part for today) with an outage outside
     * maintenance, `maintenance` the fraction in maintenance.
     */
    days: DayBar[];
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
  /** Maintenance windows (any tenant's; only this tenant's apply): excluded from uptime. */
  maintenance?: readonly MaintenanceWindowConfig[];
  now: number;
}): StatusPage {
  const { tenant, now } = input;
  const comps = tenant.statusPage.components;
  const own = [...input.incidents].filter((x) => x.incident.tenant === tenant.name);
  const state = new Map<string, ComponentState>(comps.map((c) => [c.name, 'operational']));
  const outages = new Map<string, Span[]>(comps.map((c) => [c.name, []]));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const windowStart = today - (UPTIME_DAYS - 1) * DAY_MS;
  const incidents: StatusPage['incidents'] = [];

  for (const { incident: i, alerts, events } of own) {
    const open = i.status !== 'resolved';
    const from = Date.parse(i.openedAt);
    const to = i.resolvedAt ? Date.parse(i.resolvedAt) : now;
    const affected: string[] = [];
    for (const c of comps) {
      if (!open) continue;
      for (const a of alerts.filter((x) => x.status === 'firing' && matchesAll(c.matchers, x.labels))) {
        state.set(c.name, worse(state.get(c.name) ?? 'operational', stateOf(a.severity)));
        if (!affected.includes(c.name)) affected.push(c.name);
      }
    }
    // Uptime: the incident's whole life counts as an outage of a component one of its critical/high alerts
    // hit (while open: one still firing, so the bar agrees with the current state).
    if (to > windowStart && from < now) {
      const down = componentsDown(
        comps,
        alerts.map((a) => ({ ...a, firing: a.status === 'firing' })),
        open,
      );
      for (const name of down) outages.get(name)?.push([from, to]);
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
    const maintenance = maintenanceSpans(input.maintenance ?? [], tenant.name, c, windowStart, now);
    const spans = outages.get(c.name) ?? [];
    return {
      name: c.name,
      displayName: c.displayName,
      state: state.get(c.name) ?? 'operational',
      uptimePercent: uptime(spans, maintenance, windowStart, now).percent ?? 100,
      days: dailyBars(spans, maintenance, windowStart, now),
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
