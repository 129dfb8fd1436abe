// Incidents as the SLA report needs them, folded from the audit trail (the events stream) alone: exact after a
// restart and independent of the incidents bucket. Pure: events in (any number, one at a time), incidents
// out; the reading is router/sla/events-reader.ts.
//
// Per incident it keeps only what the report needs, so memory grows with the number of incidents, not of
// events: its times (open, earliest alert start, acknowledge, resolve, start of paging), severity, title,
// the times of its customer-visible notes, and the status-page components its critical/high alerts hit
// (for an open incident, the alerts still firing among those: a few keys, dropped as they resolve).
//
// Event → field: incident.opened → openedAt, severity, title, muted at open (`paging: false`);
// incident.severity_changed → severity (it only rises); alert.firing → startsAt (earliest alert start) and
// components; alert.resolved → components still down; incident.acknowledged → acknowledgedAt (the first);
// incident.resolved → resolvedAt (the first); incident.paging → pagingSince of an incident that opened muted;
// incident.note with visibility customer → a customer update. Anything else is ignored. Events may come in any
// order within an incident (replicas append concurrently): every field is a minimum, a maximum or a set.
import { SEVERITIES, type Severity } from '../alert.ts';
import { matchesAll } from '../config/matchers.ts';
import type { Incident, IncidentEvent } from '../incidents/model.ts';
import { type Component, isOutageSeverity } from './uptime.ts';

/** One incident as folded from its events: what slaStatus, updateCadence and uptime need. */
export interface FoldedIncident
  extends Pick<
    Incident,
    'id' | 'tenant' | 'title' | 'severity' | 'status' | 'openedAt' | 'startsAt' | 'acknowledgedAt' | 'resolvedAt'
  > {
  /** When it started paging; null: never (muted so far). */
  pagingSince: string | null;
  /** Times of its customer-visible notes (epoch ms, oldest first). */
  customerNotes: number[];
  /** Status-page components it is an outage of (see router/sla/uptime.ts componentsDown). */
  componentsDown: string[];
}

interface State {
  id: string;
  opened: number | null;
  title: string;
  severity: Severity | null;
  /** Earliest alert start seen (Infinity: none yet). */
  starts: number;
  acked: number | null;
  resolved: number | null;
  mutedAtOpen: boolean;
  paging: number | null;
  notes: number[];
  /** Components ever hit by a critical/high alert. */
  hit: Set<string> | null;
  /**
   * While open: the latest change of each alert (by fingerprint, ordered by the source time of the change), with
   * the components it hits when it is a firing critical/high alert (empty otherwise).
   */
  firing: Map<string, { at: number; names: string[] }> | null;
}

const rank = (s: Severity) => SEVERITIES.length - SEVERITIES.indexOf(s);
const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));

export class IncidentFold {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly tenant: string,
    private readonly components: readonly Component[] = [],
  ) {}

  /** Folds one event (other tenants' are ignored). */
  add(e: IncidentEvent): void {
    if (e.tenant !== this.tenant || !e.incidentId) return;
    const at = Date.parse(e.at);
    if (Number.isNaN(at)) return;
    let s = this.states.get(e.incidentId);
    if (!s) {
      if (!RELEVANT.has(e.type)) return;
      s = {
        id: e.incidentId,
        opened: null,
        title: '',
        severity: null,
        starts: Number.POSITIVE_INFINITY,
        acked: null,
        resolved: null,
        mutedAtOpen: false,
        paging: null,
        notes: [],
        hit: null,
        firing: null,
      };
      this.states.set(e.incidentId, s);
    }
    switch (e.type) {
      case 'incident.opened':
        s.opened = min(s.opened, at);
        s.title = e.summary ?? s.title;
        if (e.severity) s.severity = higher(s.severity, e.severity);
        if (e.paging === false) s.mutedAtOpen = true;
        break;
      case 'incident.severity_changed':
        if (e.severity) s.severity = higher(s.severity, e.severity);
        break;
      case 'incident.acknowledged':
        s.acked = min(s.acked, at);
        break;
      case 'incident.resolved':
        s.resolved = min(s.resolved, at);
        s.firing = null;
        break;
      case 'incident.paging':
        s.paging = min(s.paging, at);
        break;
      case 'incident.note':
        if (e.visibility === 'customer') s.notes.push(at);
        break;
      case 'alert.firing': {
        const starts = Date.parse(e.changedAt ?? e.at);
        if (!Number.isNaN(starts)) s.starts = Math.min(s.starts, starts);
        if (!e.severity || !isOutageSeverity(e.severity) || !e.labels || this.components.length === 0) break;
        const labels = e.labels;
        const names = this.components.filter((c) => matchesAll(c.matchers, labels)).map((c) => c.name);
        if (names.length === 0) break;
        s.hit ??= new Set();
        for (const n of names) s.hit.add(n);
        this.change(s, e, names);
        break;
      }
      case 'alert.resolved':
        if (this.components.length > 0) this.change(s, e, []);
        break;
    }
  }

  /** Records an alert's change in an open incident unless a later one of the same alert is known. */
  private change(s: State, e: IncidentEvent, names: string[]): void {
    if (s.resolved !== null) return;
    const at = Date.parse(e.changedAt ?? e.at);
    const key = e.fingerprint ?? '';
    s.firing ??= new Map();
    const known = s.firing.get(key);
    if (known && known.at > at) return;
    // A firing and a resolution at the same source time: the resolution wins (it cannot come before).
    if (known && known.at === at && names.length > 0 && known.names.length === 0) return;
    s.firing.set(key, { at, names });
  }

  /** Forgets what is known of an incident (before folding its whole timeline again). */
  reset(id: string): void {
    this.states.delete(id);
  }

  /** Incidents of which some events but not the opening were folded (opened before what was read). */
  partial(): string[] {
    return [...this.states.values()].filter((s) => s.opened === null).map((s) => s.id);
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  get size(): number {
    return this.states.size;
  }

  /** The incidents whose opening was folded, oldest first. */
  incidents(): FoldedIncident[] {
    const out: FoldedIncident[] = [];
    for (const s of this.states.values()) {
      if (s.opened === null) continue;
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      const open = s.resolved === null;
      const down = open
        ? new Set([...(s.firing?.values() ?? [])].flatMap((f) => f.names))
        : (s.hit ?? new Set<string>());
      out.push({
        id: s.id,
        tenant: this.tenant,
        title: s.title,
        severity: s.severity ?? 'info',
        status: s.resolved !== null ? 'resolved' : s.acked !== null ? 'acknowledged' : 'triggered',
        openedAt: iso(s.opened) as string,
        startsAt: iso(Math.min(s.starts, s.opened)) as string,
        acknowledgedAt: iso(s.acked),
        resolvedAt: iso(s.resolved),
        // An incident that pages from its opening has no incident.paging event; one that opened muted pages
        // from its incident.paging event, if any.
        pagingSince: s.paging !== null ? iso(Math.max(s.paging, s.opened)) : s.mutedAtOpen ? null : iso(s.opened),
        customerNotes: [...s.notes].sort((a, b) => a - b),
        componentsDown: this.components.map((c) => c.name).filter((n) => down.has(n)),
      });
    }
    return out.sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.id < b.id ? -1 : 1));
  }
}

const RELEVANT = new Set<IncidentEvent['type']>([
  'incident.opened',
  'incident.severity_changed',
  'incident.acknowledged',
  'incident.resolved',
  'incident.paging',
  'incident.note',
  'alert.firing',
  'alert.resolved',
]);

function higher(a: Severity | null, b: Severity): Severity {
  return a === null || rank(b) > rank(a) ? b : a;
}

/** Folds a whole sequence of events (tests, small tenants). */
export function foldIncidents(
  tenant: string,
  events: Iterable<IncidentEvent>,
  components: readonly Component[] = [],
): FoldedIncident[] {
  const f = new IncidentFold(tenant, components);
  for (const e of events) f.add(e);
  return f.incidents();
}
