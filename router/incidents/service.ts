// Applies alerts and people's actions to incidents: the only writer of the incidents bucket.
//
// Alerts are applied in batches (all alerts of one tenant taken from the stream together): decisions are
// made in memory, each touched incident is written once per batch by compare-and-set, then the events
// are appended and the alert states written, all pipelined. Every step is idempotent, so a redelivered
// batch (after a crash) or a second replica working on the same tenant cannot create a second incident
// for a group, count an alert twice or record an event twice.
import type { Alert } from '../alert.ts';
import type { Clock } from '../clock.ts';
import type { TenantConfig } from '../config/compiled.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { recordChange } from '../mute/flapping.ts';
import { countSuppressed, type SuppressedCounter } from '../mute/metrics.ts';
import type { MuteVerdict } from '../mute/muter.ts';
import {
  inStorm,
  observe,
  type StormLimit,
  StormMuter,
  type StormState,
  stormLimit,
  stormStarted,
} from '../mute/storm.ts';
import type { Suppression } from '../mute/suppression.ts';
import {
  type AlertDecision,
  type AlertTransition,
  alertFiringIn,
  alertKey,
  alertResolvedIn,
  applyManual,
  changedAt,
  decideAlert,
  groupOf,
  type ManualAction,
  newIncidentId,
  openIncident,
  resolveWhenQuiet,
  route,
  startPaging,
  type Transition,
} from './decide.ts';
import type { EventLog } from './events.ts';
import type { AlertState, Incident, IncidentEvent, Membership } from './model.ts';
import {
  alertStateKey,
  groupKey,
  type IncidentStore,
  incidentKey,
  membershipKey,
  RevisionConflict,
  stormKey,
  type Versioned,
} from './store.ts';

export interface AppliedAlert {
  decision: AlertDecision;
  incident: Incident | null;
  /** A firing that pages nobody: why (docs/suppression.md). */
  muted?: MuteVerdict | null;
}

/** A tenant's storm mode during one batch: the state as this batch moves it, and what to store after it. */
interface StormContext {
  limit: StormLimit;
  state: StormState | null;
  /** Router times of the events counted by this batch (folded into the stored state at its end). */
  observed: number[];
  /** The tenant's storm incident (opened when this batch started a storm), if any. */
  incident: Promise<string | null>;
  opened: Incident[];
}

/** The fixed group of a tenant's storm incident (group keys of alerts are hashes, so it cannot collide). */
const STORM_GROUP = 'storm';

/** Groups of one batch processed at once (each writes its incident once). */
const GROUP_CONCURRENCY = 32;

/** An incident being changed by a batch: the version read, and the changes to apply to it in order. */
interface WorkingIncident {
  id: string;
  base: Versioned<Incident>;
  current: Incident;
  changes: ((i: Incident) => Transition)[];
  events: IncidentEvent[];
  /** Already resolved when loaded (its group was released then). */
  wasResolved: boolean;
  /** Memberships this batch changed, not yet written, and the change in firing alerts they make. */
  memberships: Map<string, { m: Membership; revision: number }>;
  firingDelta: number;
}

export class IncidentService {
  private readonly changeListeners: ((i: Incident) => Promise<void>)[] = [];
  private readonly groupListeners: ((i: Incident) => Promise<void>)[] = [];
  private readonly noteListeners: ((note: IncidentEvent) => Promise<void>)[] = [];
  private suppression: { muters: Suppression; counter: SuppressedCounter } | null = null;

  constructor(
    private readonly store: IncidentStore,
    private readonly events: EventLog,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Turns suppression on: firing alerts are asked whether they page (docs/suppression.md). */
  useSuppression(muters: Suppression, counter: SuppressedCounter): void {
    this.suppression = { muters, counter };
  }

  /**
   * A muted incident (pagingSince null) asked again, with the muters in force now: when one of its firing
   * alerts is no longer muted, it starts paging (pagingSince set, `incident.paging` appended). Otherwise
   * `until` is the earliest moment one of its mutings ends by itself (null: only an event can end them: a
   * silence expired early, an inhibiting source resolving, which ask for a re-check themselves).
   */
  /**
   * Whether every firing alert of the incident is muted now (with the muters in force), and when the first
   * of those mutings ends by itself; `unmuted` is an alert that is not muted, if any.
   */
  mutedNow(
    incident: Incident,
    now = this.clock(),
  ): { muted: boolean; until: number | null; unmuted: AlertState | null } {
    const s = this.suppression;
    let until: number | null = null;
    let firing = 0;
    for (const [key, m] of this.store.membersOf(incident.id)) {
      if (m.status !== 'firing') continue;
      const st = this.store.cached<AlertState>(alertStateKey(incident.tenant, key))?.value;
      if (st?.status !== 'firing' || st.incidentId !== incident.id) continue;
      firing++;
      const v = s ? s.muters.verdict({ ...st, tenant: incident.tenant }, st.flap ?? null, now) : null;
      if (!v) return { muted: false, until: null, unmuted: st };
      if (v.until !== null && (until === null || v.until < until)) until = v.until;
    }
    return { muted: firing > 0, until, unmuted: null };
  }

  async recheckMuted(incident: Incident): Promise<{ incident: Incident; until: number | null }> {
    if (incident.pagingSince !== null || incident.status === 'resolved') return { incident, until: null };
    // Swallowed by a storm: the storm incident stands for it, it does not page one by one when the storm ends.
    if (incident.stormIncidentId) return { incident, until: null };
    const now = this.clock();
    const { until, unmuted } = this.mutedNow(incident, now);
    if (!unmuted) return { incident, until };
    const why = `"${unmuted.summary}" (${unmuted.fingerprint}) is no longer muted`;
    const i = await this.transition(incident.tenant, incident.id, (cur) => startPaging(cur, now, why));
    return { incident: i ?? incident, until: null };
  }

  /**
   * Called after an acknowledge, a resolve or a quiet incident's resolve changed an incident (escalation
   * hooks in here; changes made by alert batches reach it through AlertConsumer.use). A listener's error is
   * logged, not thrown: the change itself is stored.
   */
  onChange(listener: (i: Incident) => Promise<void>): void {
    this.changeListeners.push(listener);
  }

  /**
   * Called for every paging incident an alert batch opens, as soon as its group is stored with its timeline
   * events, while the rest of the batch is still being applied: its first page need not wait for the whole
   * batch. (Every other change waits for the batch's alert states, which muting decisions read, and reaches
   * escalation through AlertConsumer.use.) Before the batch's alerts are acknowledged, so a crash repeats
   * it. A listener's error fails the batch (it is retried).
   */
  onPagingOpened(listener: (i: Incident) => Promise<void>): void {
    this.groupListeners.push(listener);
  }

  /** Called after a note is stored (a customer note moves the incident's customer-update cadence). */
  onNote(listener: (note: IncidentEvent) => Promise<void>): void {
    this.noteListeners.push(listener);
  }

  /**
   * Resolves incidents left without a firing alert by another replica's change (or by a crash between an
   * alert's resolve and its incident's): on every such change, and once now for what is stored.
   */
  async resolveQuietIncidents(): Promise<void> {
    this.store.onQuiet((tenant, id) => {
      this.resolveIfQuiet(tenant, id).catch((err) =>
        this.log.warn({ err, incident: id }, 'resolving a quiet incident failed'),
      );
    });
    for (const i of [...this.store.incidents()]) {
      if (i.status !== 'resolved' && this.store.membersOf(i.id).size > 0 && this.store.firingCount(i.id) === 0) {
        await this.resolveIfQuiet(i.tenant, i.id);
      }
    }
  }

  private async resolveIfQuiet(tenant: string, id: string): Promise<void> {
    if (this.store.membersOf(id).size === 0) return;
    const i = await this.transition(tenant, id, (cur) =>
      resolveWhenQuiet(cur, this.store.firingCount(id), this.clock()),
    );
    if (i?.status === 'resolved') await this.releaseGroup(tenant, i);
  }

  /**
   * Applies a tenant's alerts, in order. `deliveryId` identifies this delivery (for notes sent by sources).
   * Throws (and the caller redelivers) when another writer changed an alert meanwhile.
   */
  async applyBatch(tenant: TenantConfig, alerts: Alert[], deliveryId: string): Promise<AppliedAlert[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.applyBatchOnce(tenant, alerts, deliveryId, attempt > 0);
      } catch (e) {
        if (!(e instanceof RevisionConflict) || attempt >= 10) throw e;
      }
    }
  }

  private async applyBatchOnce(
    tenant: TenantConfig,
    alerts: Alert[],
    deliveryId: string,
    authoritative: boolean,
  ): Promise<AppliedAlert[]> {
    // Alerts of one group share an incident: process groups apart (in parallel), each group's alerts in order.
    const byGroup = new Map<string, number[]>();
    const groups = alerts.map((a) => groupOf(tenant, a.labels));
    groups.forEach((g, i) => {
      const list = byGroup.get(g.key);
      if (list) list.push(i);
      else byGroup.set(g.key, [i]);
    });
    const results: AppliedAlert[] = new Array(alerts.length);
    const states = new Map<string, { prev: Versioned<AlertState> | null; next: AlertState | null }>();
    const storm = await this.stormContext(tenant);
    // Inhibition sources of this batch fire before any of its targets is asked (groups run in parallel).
    const inhibition = this.suppression?.muters.inhibition;
    if (inhibition && tenant.inhibitRules.length > 0) {
      for (const a of alerts) {
        if (a.status !== 'firing') continue;
        const prev = this.store.cached<AlertState>(alertStateKey(tenant.name, alertKey(a.fingerprint)))?.value ?? null;
        if (decideAlert(prev, a) !== 'stale') inhibition.firing({ ...a, severity: route(tenant, a).severity });
      }
    }

    const queue = [...byGroup.values()];
    const worker = async () => {
      for (let idx = queue.shift(); idx; idx = queue.shift()) {
        const group = await this.applyGroup(tenant, alerts, groups, idx, states, results, authoritative, storm);
        // Each group's timeline as soon as it is stored (one publish per event either way), then the paging
        // incidents it opened go on to escalation while the other groups are still being applied.
        await this.events.append(group.events);
        for (const e of group.events) {
          if (e.type !== 'incident.opened') continue;
          const i = group.incidents.find((x) => x.id === e.incidentId);
          if (i?.status === 'triggered' && i.pagingSince !== null) for (const l of this.groupListeners) await l(i);
        }
        // Let waiting HTTP requests in between groups: ingest answers stay fast while a backlog is applied.
        await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all(Array.from({ length: Math.min(GROUP_CONCURRENCY, byGroup.size) }, worker));
    if (storm && storm.observed.length > 0) {
      const { limit, observed } = storm;
      await this.store.modify<StormState, null>(stormKey(tenant.name), (cur) => ({
        value: observed.reduce<StormState | null>((st, at) => observe(st, at, limit), cur) as StormState,
        result: null,
      }));
    }
    // Alert states last: until they are written, a redelivery decides the same and repeats the idempotent steps.
    await Promise.all(
      [...states].map(([key, s]) =>
        s.next ? this.store.write(alertStateKey(tenant.name, key), s.next, s.prev?.revision ?? 0) : undefined,
      ),
    );
    for (const i of storm?.opened ?? []) {
      for (const l of this.changeListeners) {
        await l(i).catch((err) => this.log.warn({ err, incident: i.id }, 'incident change listener failed'));
      }
    }
    for (const [i, alert] of alerts.entries()) {
      const r = results[i];
      if (!r) continue;
      this.metrics.alertsProcessed.inc({ tenant: tenant.name, decision: r.decision });
      if (r.decision === 'duplicate') this.metrics.alertsDeduplicated.inc({ tenant: tenant.name });
      if (r.muted && this.suppression) countSuppressed(this.suppression.counter, tenant.name, r.muted);
      const incidentId = r.incident?.id;
      if (alert.acknowledgedBy && incidentId && alert.status === 'firing') {
        const acked = await this.manual(tenant.name, incidentId, { kind: 'acknowledge', by: alert.acknowledgedBy });
        if (!('error' in acked)) r.incident = acked;
        if (alert.note) {
          const note = { text: alert.note, by: alert.acknowledgedBy, visibility: 'internal' as const };
          await this.note(tenant.name, incidentId, note, `${deliveryId}-${i}`);
        }
      }
    }
    return results;
  }

  /** One group's alerts: decisions in order, one write per touched incident. Returns the events. */
  private async applyGroup(
    tenant: TenantConfig,
    alerts: Alert[],
    groups: { key: string; labels: Record<string, string> }[],
    indexes: number[],
    states: Map<string, { prev: Versioned<AlertState> | null; next: AlertState | null }>,
    results: AppliedAlert[],
    authoritative: boolean,
    storm: StormContext | null,
  ): Promise<{ events: IncidentEvent[]; incidents: Incident[] }> {
    const working = new Map<string, WorkingIncident>();
    const load = async (id: string): Promise<WorkingIncident | null> => {
      const w = working.get(id);
      if (w) return w;
      const key = incidentKey(tenant.name, id);
      const base = authoritative ? await this.store.read<Incident>(key) : await this.store.get<Incident>(key);
      if (!base) return null;
      const created: WorkingIncident = {
        id,
        base,
        current: base.value,
        changes: [],
        events: [],
        wasResolved: base.value.status === 'resolved',
        memberships: new Map(),
        firingDelta: 0,
      };
      working.set(id, created);
      return created;
    };
    // An alert's membership as this batch knows it, with the revision its write must find (0: absent).
    // `mustExist`: a resolve's membership exists (the alert fired in this incident). A cache miss then means
    // another replica wrote it a moment ago: read it, since a resolve of a membership believed absent
    // writes nothing that a compare-and-set could catch. (A firing alert's miss is caught by the create.)
    const known = async (
      w: WorkingIncident,
      key: string,
      mustExist = false,
    ): Promise<{ m: Membership | undefined; revision: number }> => {
      const pending = w.memberships.get(key);
      if (pending) return { m: pending.m, revision: pending.revision };
      const mKey = membershipKey(tenant.name, w.id, key);
      let v = authoritative ? await this.store.read<Membership>(mKey) : this.store.cached<Membership>(mKey);
      if (!v && mustExist && !authoritative) v = await this.store.read<Membership>(mKey);
      return { m: v?.value, revision: v?.revision ?? 0 };
    };
    const change = (
      w: WorkingIncident,
      key: string,
      was: { m: Membership | undefined; revision: number },
      t: (i: Incident) => AlertTransition,
    ) => {
      const out = t(w.current);
      w.current = out.incident;
      w.changes.push(t);
      w.events.push(...out.events);
      if (out.membership) {
        w.firingDelta += (out.membership.status === 'firing' ? 1 : 0) - (was.m?.status === 'firing' ? 1 : 0);
        const pending = w.memberships.get(key);
        w.memberships.set(key, { m: out.membership, revision: pending ? pending.revision : was.revision });
      }
    };

    const events: IncidentEvent[] = [];
    const touched: { index: number; incidentId: string | null }[] = [];
    for (const i of indexes) {
      const alert = alerts[i] as Alert;
      const key = alertKey(alert.fingerprint);
      let s = states.get(key);
      if (!s) {
        const sKey = alertStateKey(tenant.name, key);
        const prev = authoritative ? await this.store.read<AlertState>(sKey) : this.store.cached<AlertState>(sKey);
        s = { prev, next: null };
        states.set(key, s);
      }
      const current = s.next ?? s.prev?.value ?? null;
      const decision = decideAlert(current, alert);
      let incidentId = current?.incidentId ?? null;
      const now = this.clock();
      // Flapping counts status changes, by the source's time (a redelivery records nothing new).
      const flap =
        decision === 'fire' || decision === 'resolve'
          ? recordChange(
              current?.flap ?? null,
              { at: Date.parse(changedAt(alert)), status: alert.status },
              tenant.flapping,
            )
          : current?.flap;
      let muted: MuteVerdict | null = null;
      const routed = decision === 'fire' ? route(tenant, alert) : null;

      if (routed) {
        // Suppression decides whether it pages, never whether it is recorded: it joins its incident either way.
        muted = this.suppression?.muters.verdict({ ...alert, severity: routed.severity }, flap ?? null, now) ?? null;
        const group = groups[i] as { key: string; labels: Record<string, string> };
        // Storm mode counts only what would page, so it is asked last (docs/suppression.md).
        let stormId: string | null = null;
        if (muted === null && storm) {
          if (storm.limit.counts === 'alerts' || this.opensNewIncident(tenant.name, group.key)) {
            const before = storm.state;
            storm.state = observe(before, now, storm.limit);
            storm.observed.push(now);
            if (stormStarted(before, storm.state)) {
              storm.incident = this.openStormIncident(tenant, storm.state, storm.limit, storm.opened, now);
            }
          }
          if (inStorm(storm.state, now)) {
            const state = storm.state;
            muted = new StormMuter({ [tenant.name]: tenant }, () => state).mutes(
              { ...alert, severity: routed.severity },
              now,
            );
            stormId = await storm.incident;
          }
        }
        const paging = muted === null;
        let w = await this.openGroupIncident(tenant, group, routed, alert, working, load, events, paging);
        if (w.current.status === 'resolved') {
          // Resolved by an earlier alert of this batch: the group opens a new incident.
          w = await this.openGroupIncident(tenant, group, routed, alert, working, load, events, paging, w.id);
        }
        incidentId = w.id;
        const was = await known(w, key);
        change(w, key, was, (inc) => {
          // Resolved between finding and updating it (a race with another writer): redo the batch.
          if (inc.status === 'resolved') throw new RevisionConflict(`incident ${inc.id} resolved meanwhile`);
          const t = alertFiringIn(inc, was.m, alert, routed.severity, now, paging);
          if (!stormId || t.incident.pagingSince !== null || t.incident.stormIncidentId) return t;
          return { ...t, changed: true, incident: { ...t.incident, stormIncidentId: stormId } };
        });
        if (muted) {
          events.push({
            type: 'alert.suppressed',
            at: new Date(now).toISOString(),
            tenant: tenant.name,
            incidentId: w.id,
            fingerprint: alert.fingerprint,
            summary: alert.summary,
            changedAt: changedAt(alert),
            reason: muted.reason,
            text: muted.detail,
            until: muted.until === null ? null : new Date(muted.until).toISOString(),
          });
        }
      } else if (decision === 'resolve' && incidentId) {
        const w = await load(incidentId);
        if (w) {
          const was = await known(w, key, true);
          const firingAfter = this.store.firingCount(w.id) + w.firingDelta - (was.m?.status === 'firing' ? 1 : 0);
          change(w, key, was, (inc) => alertResolvedIn(inc, was.m, alert, now, firingAfter));
        }
      }
      if (decision === 'fire' || decision === 'resolve' || decision === 'resolved-unknown') {
        s.next = {
          fingerprint: alert.fingerprint,
          source: alert.source,
          status: alert.status,
          severity: routed ? routed.severity : (current?.severity ?? alert.severity),
          summary: alert.summary,
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt: alert.status === 'firing' ? alert.startsAt : (current?.startsAt ?? alert.startsAt),
          endsAt: alert.status === 'resolved' ? changedAt(alert) : null,
          changedAt: changedAt(alert),
          receivedAt: alert.receivedAt,
          incidentId,
          ...(flap ? { flap } : {}),
          muted: decision === 'fire' ? muted : null,
        };
      }
      touched.push({ index: i, incidentId });
      results[i] = { decision, incident: null, ...(muted ? { muted } : {}) };
    }

    for (const w of working.values()) {
      events.push(...(await this.commit(tenant.name, w)));
      if (w.current.status === 'resolved' && !w.wasResolved) await this.releaseGroup(tenant.name, w.current);
    }
    const incidents = [...working.values()].map((w) => w.current);
    for (const t of touched) {
      const r = results[t.index] as AppliedAlert;
      r.incident = t.incidentId
        ? (working.get(t.incidentId)?.current ?? this.store.incident(t.incidentId) ?? null)
        : null;
    }
    return { events, incidents };
  }

  /** The tenant's storm state and storm incident as a batch starts; null when it has no storm limit. */
  private async stormContext(tenant: TenantConfig): Promise<StormContext | null> {
    const limit = this.suppression ? stormLimit(tenant.limits) : null;
    if (!limit) return null;
    const state = (await this.store.get<StormState>(stormKey(tenant.name)))?.value ?? null;
    const claim = this.store.cached<{ incidentId: string }>(groupKey(tenant.name, STORM_GROUP));
    const open = claim ? this.store.incident(claim.value.incidentId) : undefined;
    return {
      limit,
      state,
      observed: [],
      incident: Promise.resolve(open && open.status !== 'resolved' ? open.id : null),
      opened: [],
    };
  }

  /** Whether an alert of this group would open a new incident (none open for the group). */
  private opensNewIncident(tenant: string, group: string): boolean {
    const claim = this.store.cached<{ incidentId: string }>(groupKey(tenant, group));
    const open = claim ? this.store.incident(claim.value.incidentId) : undefined;
    return !open || open.status === 'resolved';
  }

  /**
   * A storm began: the tenant's one storm incident (a fixed group, so replicas agree on it), which pages and
   * stands for the alerts the storm swallows. An open one from an earlier storm is reused (it paged then).
   */
  private async openStormIncident(
    tenant: TenantConfig,
    state: StormState,
    limit: StormLimit,
    opened: Incident[],
    now: number,
  ): Promise<string> {
    const what = limit.counts === 'incidents' ? 'new incidents' : 'alerts';
    const since = new Date(state.stormSince ?? now).toISOString();
    const alert: Alert = {
      tenant: tenant.name,
      source: 'generic',
      fingerprint: `storm:${tenant.name}:${since}`,
      status: 'firing',
      severity: 'critical',
      summary: `Alert storm at ${tenant.displayName}: more than ${limit.perMinute} ${what} per minute; alerts attached here page nobody one by one`,
      labels: { alertname: 'AlertStorm' },
      annotations: {},
      startsAt: since,
      receivedAt: new Date(now).toISOString(),
    };
    const route = { severity: 'critical' as const, policy: tenant.escalationPolicy };
    const id = await this.openIncidentFor(tenant, { key: STORM_GROUP, labels: {} }, route, alert, true);
    const incident = this.store.incident(id);
    if (incident) opened.push(incident);
    this.log.warn({ tenant: tenant.name, incident: id }, 'alert storm: storm mode on');
    return id;
  }

  /**
   * Writes a working incident's pending changes in one compare-and-set; on a conflict, re-applies them to the
   * newer version (they are pure and idempotent). Returns the events of what was written.
   */
  private async commit(tenant: string, w: WorkingIncident): Promise<IncidentEvent[]> {
    const key = incidentKey(tenant, w.id);
    // Memberships first: they are what a redelivery and the other replicas count firing alerts from. Each is
    // a compare-and-set on the revision the decision saw, so two replicas adding the same alert at once
    // cannot both record it (the loser redoes its batch and finds it there).
    await Promise.all(
      [...w.memberships].map(([alert, p]) => this.store.write(membershipKey(tenant, w.id, alert), p.m, p.revision)),
    );
    w.memberships.clear();
    w.firingDelta = 0;
    for (let attempt = 0; attempt < 50; attempt++) {
      if (w.changes.length === 0) return [];
      if (w.current === w.base.value) {
        // Every change was a repeat: nothing to write, but restate their events (idempotent by id).
        const events = w.events;
        w.changes = [];
        w.events = [];
        return events;
      }
      try {
        const revision = await this.store.write(key, w.current, w.base.revision);
        w.base = { value: w.current, revision };
        const events = w.events;
        w.changes = [];
        w.events = [];
        return events;
      } catch (e) {
        if (!(e instanceof RevisionConflict)) throw e;
      }
      const fresh = await this.store.read<Incident>(key);
      if (!fresh) throw new RevisionConflict(`incident ${w.id} disappeared`);
      w.base = fresh;
      w.current = fresh.value;
      w.events = [];
      for (const t of w.changes) {
        const out = t(w.current);
        w.current = out.incident;
        w.events.push(...out.events);
      }
    }
    throw new Error(`incident ${w.id}: too many concurrent changes`);
  }

  /**
   * The open incident of the alert's group, as a working copy; opening one when there is none (or when
   * the one found is `notThis`, resolved earlier in the same batch).
   */
  private async openGroupIncident(
    tenant: TenantConfig,
    group: { key: string; labels: Record<string, string> },
    routed: ReturnType<typeof route>,
    alert: Alert,
    working: Map<string, WorkingIncident>,
    load: (id: string) => Promise<WorkingIncident | null>,
    committed: IncidentEvent[],
    paging: boolean,
    notThis?: string,
  ): Promise<WorkingIncident> {
    if (notThis) {
      // The incident resolved earlier in this batch must be written, and its group released, first.
      const w = working.get(notThis);
      if (w) {
        committed.push(...(await this.commit(tenant.name, w)));
        await this.releaseGroup(tenant.name, w.current);
        w.wasResolved = true;
      }
    }
    const id = await this.openIncidentFor(tenant, group, routed, alert, paging);
    const w = await load(id);
    if (!w) throw new RevisionConflict(`incident ${id} not readable yet`);
    return w;
  }

  /** The open incident of the alert's group, opening one when there is none. */
  private async openIncidentFor(
    tenant: TenantConfig,
    group: { key: string; labels: Record<string, string> },
    routed: ReturnType<typeof route>,
    alert: Alert,
    paging: boolean,
  ): Promise<string> {
    const gKey = groupKey(tenant.name, group.key);
    for (let attempt = 0; attempt < 50; attempt++) {
      const g =
        attempt === 0
          ? await this.store.get<{ incidentId: string }>(gKey)
          : await this.store.read<{ incidentId: string }>(gKey);
      if (g) {
        const id = g.value.incidentId;
        const existing = await this.store.get<Incident>(incidentKey(tenant.name, id));
        if (!existing) {
          // Claimed, but its incident is not written yet: its opener is between the two writes (or crashed
          // there). Taking the group over would give it two open incidents; open the claimed one instead.
          await this.createIncident(tenant, id, group, routed, alert, paging);
          return id;
        }
        if (existing.value.status !== 'resolved') {
          // Its opener may have crashed before recording the opening: append it again (same id, deduplicated).
          if (this.store.membersOf(id).size === 0) await this.events.append([openedEvent(existing.value)]);
          return id;
        }
      }
      const id = newIncidentId(this.clock());
      try {
        // Claim the group first: of two replicas opening the same group, exactly one wins.
        await this.store.write(gKey, { incidentId: id }, g?.revision ?? 0);
      } catch (e) {
        if (e instanceof RevisionConflict) continue;
        throw e;
      }
      await this.createIncident(tenant, id, group, routed, alert, paging);
      return id;
    }
    throw new Error(`could not open an incident for group ${gKey}: too many concurrent changes`);
  }

  /** Writes a claimed group's incident unless someone else already did (both use the claimed id). */
  private async createIncident(
    tenant: TenantConfig,
    id: string,
    group: { key: string; labels: Record<string, string> },
    routed: ReturnType<typeof route>,
    alert: Alert,
    paging: boolean,
  ): Promise<void> {
    const incident = openIncident(id, tenant, group, routed.policy, routed.severity, alert, this.clock(), paging);
    try {
      await this.store.write(incidentKey(tenant.name, id), incident, 0);
    } catch (e) {
      if (e instanceof RevisionConflict) return;
      throw e;
    }
    await this.events.append([openedEvent(incident)]);
    this.metrics.incidentsTotal.inc({ tenant: tenant.name, severity: incident.severity });
    this.log.info(
      { tenant: tenant.name, incident: id, severity: incident.severity, title: incident.title },
      'incident opened',
    );
  }

  private async releaseGroup(tenant: string, incident: Incident): Promise<void> {
    const gKey = groupKey(tenant, incident.groupKey);
    const g = await this.store.read<{ incidentId: string }>(gKey);
    if (g && g.value.incidentId === incident.id) await this.store.delete(gKey, g.revision);
  }

  /**
   * Compare-and-set loop on one incident, then the step's events. A repeated step writes nothing but appends
   * its events again, which stores them only if an earlier attempt died before it could.
   */
  private async transition(
    tenant: string,
    id: string,
    change: (i: Incident) => Transition | { error: string },
  ): Promise<Incident | null> {
    let events: IncidentEvent[] = [];
    let changed = false;
    const result = await this.store.modify<Incident, Incident | null | { error: string }>(
      incidentKey(tenant, id),
      (cur) => {
        if (!cur) return { result: null };
        const t = change(cur);
        if ('error' in t) return { result: t };
        events = t.events;
        changed = t.changed;
        return t.changed ? { value: t.incident, result: t.incident } : { result: t.incident };
      },
    );
    if (result && 'error' in result) throw new ConflictError(result.error);
    if (events.length > 0) await this.events.append(events);
    if (changed && result) {
      for (const l of this.changeListeners) {
        await l(result).catch((err) => this.log.warn({ err, incident: id }, 'incident change listener failed'));
      }
    }
    return result;
  }

  async manual(tenant: string, id: string, action: ManualAction): Promise<Incident | { error: string }> {
    try {
      const i = await this.transition(tenant, id, (cur) => applyManual(cur, action, this.clock()));
      if (!i) return { error: `incident ${id} not found` };
      if (i.status === 'resolved') await this.releaseGroup(tenant, i);
      return i;
    } catch (e) {
      if (e instanceof ConflictError) return { error: e.message };
      throw e;
    }
  }

  async note(
    tenant: string,
    id: string,
    note: Pick<IncidentEvent, 'text' | 'by' | 'principal' | 'publicStatus'> & { visibility: 'internal' | 'customer' },
    /** Identifies the note for idempotency (a source update's delivery); random for notes people write. */
    noteId = `${this.clock().toString(36)}${Math.random().toString(36).slice(2, 10)}`,
  ): Promise<IncidentEvent> {
    const e: IncidentEvent = {
      type: 'incident.note',
      at: new Date(this.clock()).toISOString(),
      tenant,
      incidentId: id,
      ...note,
      noteId,
    };
    await this.events.append([e]);
    for (const l of this.noteListeners) {
      await l(e).catch((err) => this.log.warn({ err, incident: id }, 'note listener failed'));
    }
    return e;
  }
}

class ConflictError extends Error {}

function openedEvent(incident: Incident): IncidentEvent {
  return {
    type: 'incident.opened',
    at: incident.openedAt,
    tenant: incident.tenant,
    incidentId: incident.id,
    severity: incident.severity,
    summary: incident.title,
    ...(incident.pagingSince === null ? { paging: false } : {}),
  };
}
