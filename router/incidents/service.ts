// Applies alerts and people's actions to incidents: the only writer of the incidents bucket.
// Every step is idempotent, so a redelivered message (after a crash) or a second replica working on the
// same tenant cannot create a second incident for a group or count an alert twice.
import type { Alert } from '../alert.ts';
import type { Clock } from '../clock.ts';
import type { TenantConfig } from '../config/compiled.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import {
  type AlertDecision,
  alertKey,
  applyManual,
  changedAt,
  decideAlert,
  groupOf,
  type ManualAction,
  newIncidentId,
  openIncident,
  route,
  type Transition,
  withFiringAlert,
  withResolvedAlert,
} from './decide.ts';
import type { EventLog } from './events.ts';
import type { AlertState, Incident, IncidentEvent } from './model.ts';
import { alertStateKey, groupKey, type IncidentStore, incidentKey, RevisionConflict } from './store.ts';

export interface AppliedAlert {
  decision: AlertDecision;
  incident: Incident | null;
}

export class IncidentService {
  constructor(
    private readonly store: IncidentStore,
    private readonly events: EventLog,
    private readonly metrics: Metrics,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** `idBase` identifies this alert's delivery (stream sequence and index) for idempotent events. */
  async applyAlert(tenant: TenantConfig, alert: Alert, idBase: string): Promise<AppliedAlert> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.applyOnce(tenant, alert, idBase);
      } catch (e) {
        if (!(e instanceof RevisionConflict) || attempt >= 20) throw e;
      }
    }
  }

  private async applyOnce(tenant: TenantConfig, alert: Alert, idBase: string): Promise<AppliedAlert> {
    const key = alertKey(alert.fingerprint);
    const prev = await this.store.alertState(tenant.name, key);
    const decision = decideAlert(prev?.value ?? null, alert);
    this.metrics.alertsProcessed.inc({ tenant: tenant.name, decision });
    let incident: Incident | null = null;
    let incidentId = prev?.value.incidentId ?? null;

    if (decision === 'fire') {
      const routed = route(tenant, alert);
      const group = groupOf(tenant, alert.labels);
      incidentId = await this.openIncidentFor(tenant, group, routed, alert);
      incident = await this.transition(tenant.name, incidentId, (i) => {
        // Resolved between finding and updating it (a race with a resolve): start over, which opens a new one.
        if (i.status === 'resolved') throw new RevisionConflict(`incident ${i.id} resolved meanwhile`);
        return withFiringAlert(i, alert, routed.severity, this.clock());
      });
    } else if (decision === 'resolve' && incidentId) {
      incident = await this.transition(tenant.name, incidentId, (i) => withResolvedAlert(i, alert, this.clock()));
      if (incident?.status === 'resolved') await this.releaseGroup(tenant.name, incident);
    } else if (decision === 'duplicate') {
      this.metrics.alertsDeduplicated.inc({ tenant: tenant.name });
      incident = incidentId ? (this.store.incident(incidentId) ?? null) : null;
    }

    // The alert state is written last: until it is, a redelivery decides the same and repeats the steps above,
    // which are idempotent.
    if (decision === 'fire' || decision === 'resolve' || decision === 'resolved-unknown') {
      const state: AlertState = {
        fingerprint: alert.fingerprint,
        source: alert.source,
        status: alert.status,
        severity: decision === 'fire' ? route(tenant, alert).severity : (prev?.value.severity ?? alert.severity),
        summary: alert.summary,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.status === 'firing' ? alert.startsAt : (prev?.value.startsAt ?? alert.startsAt),
        endsAt: alert.status === 'resolved' ? changedAt(alert) : null,
        changedAt: changedAt(alert),
        receivedAt: alert.receivedAt,
        incidentId,
      };
      await this.store.write(alertStateKey(tenant.name, key), state, prev?.revision ?? 0);
    }
    if (alert.acknowledgedBy && incidentId && alert.status === 'firing') {
      const acked = await this.manual(tenant.name, incidentId, { kind: 'acknowledge', by: alert.acknowledgedBy });
      if (!('error' in acked)) incident = acked;
      if (alert.note) {
        await this.note(
          tenant.name,
          incidentId,
          { text: alert.note, by: alert.acknowledgedBy, visibility: 'internal' },
          idBase,
        );
      }
    }
    return { decision, incident };
  }

  /** The open incident of the alert's group, opening one when there is none. */
  private async openIncidentFor(
    tenant: TenantConfig,
    group: { key: string; labels: Record<string, string> },
    routed: ReturnType<typeof route>,
    alert: Alert,
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
          await this.createIncident(tenant, id, group, routed, alert);
          return id;
        }
        if (existing.value.status !== 'resolved') {
          // Its opener may have crashed before recording the opening: append it again (same id, deduplicated).
          if (Object.keys(existing.value.alerts).length === 0) await this.events.append([openedEvent(existing.value)]);
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
      await this.createIncident(tenant, id, group, routed, alert);
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
  ): Promise<void> {
    const incident = openIncident(id, tenant, group, routed.policy, routed.severity, alert, this.clock());
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
    const result = await this.store.modify<Incident, Incident | null | { error: string }>(
      incidentKey(tenant, id),
      (cur) => {
        if (!cur) return { result: null };
        const t = change(cur);
        if ('error' in t) return { result: t };
        events = t.events;
        return t.changed ? { value: t.incident, result: t.incident } : { result: t.incident };
      },
    );
    if (result && 'error' in result) throw new ConflictError(result.error);
    if (events.length > 0) await this.events.append(events);
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
    note: {
      text: string;
      by: string;
      visibility: 'internal' | 'customer';
      publicStatus?: IncidentEvent['publicStatus'];
    },
    /** Identifies the note for idempotency (a source update's delivery); random for notes people write. */
    noteId = `${this.clock().toString(36)}${Math.random().toString(36).slice(2, 10)}`,
  ): Promise<IncidentEvent> {
    const e: IncidentEvent = {
      type: 'incident.note',
      at: new Date(this.clock()).toISOString(),
      tenant,
      incidentId: id,
      by: note.by,
      text: note.text,
      visibility: note.visibility,
      ...(note.publicStatus ? { publicStatus: note.publicStatus } : {}),
      noteId,
    };
    await this.events.append([e]);
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
  };
}
