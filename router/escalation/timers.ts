// Durable wake-ups for escalation: when an incident's next step, rule or repeat is due, a replica runs its
// escalation (EscalationRunner.run), whichever replica it is and however often the routers restarted
// meanwhile. Nothing is kept in a setTimeout; the state is in JetStream:
//
//   wake(incident, at)  publishes a scheduled message on sb.timers.schedule.<tenant>.<incident> with
//                       `@at <at>` and target sb.timers.due.<tenant>.<incident>. One schedule subject per
//                       incident: a newer schedule replaces the pending one (nats-server 2.12 semantics),
//                       and every run computes the incident's earliest next moment, so the newest is right.
//   trigger(incident)   publishes straight to the due subject: "run now" (an incident opened or changed).
//   consumer            the durable consumer `escalation` on sb.timers.due.>, shared by every replica: on a
//                       due message, read the incident (authoritative), run it, schedule its `nextAt`, and
//                       only then acknowledge. A replica that dies in between leaves the message unacked;
//                       it is redelivered to a living replica within ACK_WAIT_MS.
//   sweep               every SWEEP_MS, run incidents this replica has not run since they last changed, or
//                       whose planned next moment passed more than GRACE_MS ago: so a lost wake-up (a crash
//                       between committing a change and publishing its trigger) delays a page by at most
//                       the sweep interval, and never silences it.
//
// Wake-ups are at least once (a redelivery, the sweep and a trigger may all run an incident); sends are
// exactly once because the runner claims every notification in the notification log first. Runs of one
// incident on one replica are serialised: a wake-up that arrives while the incident runs asks for one
// more run after it (with the state read fresh), instead of a second concurrent one.
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { ACK_WAIT_MS } from '../bus/setup.ts';
import { TIMERS_CONSUMER, TIMERS_STREAM, timerDueSubject, timerScheduleSubject } from '../bus/subjects.ts';
import type { Clock } from '../clock.ts';
import type { Incident } from '../incidents/model.ts';
import { type IncidentStore, incidentKey } from '../incidents/store.ts';
import type { Logger } from '../log.ts';
import type { EscalationRunner, EscalationTimes } from './runner.ts';

export const SWEEP_MS = 30_000;
/** How long past its planned moment the sweep leaves an incident to its scheduled wake-up. */
export const GRACE_MS = 5_000;
/** Resolved incidents may still owe a ticket update for this long (then the sweep ignores them). */
const RESOLVED_HORIZON_MS = 3_600_000;
/** Incidents the sweep runs at once. */
const SWEEP_CONCURRENCY = 16;
/** Never schedule closer than this (a guard against a run that keeps asking for "now"). */
const MIN_DELAY_MS = 250;

export interface TimersDeps {
  js: JetStreamClient;
  store: Pick<IncidentStore, 'read' | 'incidents' | 'incident'>;
  runner: Pick<EscalationRunner, 'run'>;
  /** The SLA times of an incident (router/sla/deadlines.ts against the config in force). */
  times: (incident: Incident) => EscalationTimes;
  /**
   * Asks a muted incident (pagingSince null) again with the muters in force now (IncidentService.recheckMuted):
   * returns it paging, or still muted with the earliest moment a muting ends by itself. Without it, a muted
   * incident is never run.
   */
  recheck?: (incident: Incident) => Promise<{ incident: Incident; until: number | null }>;
  /** Whether every firing alert of a paging incident is muted now, and until when (IncidentService.mutedNow). */
  mutedNow?: (incident: Incident) => { muted: boolean; until: number | null };
  clock: Clock;
  log: Logger;
  sweepMs?: number;
}

interface WakeBody {
  tenant: string;
  incidentId: string;
}

interface Known {
  /** The incident's updatedAt when this replica last ran it. */
  updatedAt: string;
  /** The run's next moment (null: nothing more), and whether this replica scheduled it. */
  nextAt: number | null;
  scheduled: boolean;
  /** The earliest of nextAt and the run's SLA moments, which the sweep alone looks after (see runOnce). */
  dueAt: number | null;
}

interface Active {
  again: boolean;
  msgs: JsMsg[];
  done: Promise<void>;
}

export class EscalationTimers {
  private readonly known = new Map<string, Known>();
  /** What the last trigger of each incident was for (its status and severity): triggers only on a change. */
  private readonly triggered = new Map<string, string>();
  private readonly active = new Map<string, Active>();
  private stopped = false;
  private messages: { stop(): void } | null = null;
  private consuming: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(private readonly d: TimersDeps) {}

  /** Schedules a run of the incident's escalation at `at` (replacing its pending wake-up). */
  async wake(incident: Pick<Incident, 'tenant' | 'id'>, at: number): Promise<void> {
    // `at` is on the injected clock; the server schedules on wall time: keep the distance.
    const delay = Math.max(MIN_DELAY_MS, at - this.d.clock());
    const body: WakeBody = { tenant: incident.tenant, incidentId: incident.id };
    await this.d.js.publish(timerScheduleSubject(incident.tenant, incident.id), JSON.stringify(body), {
      schedule: {
        specification: new Date(Date.now() + delay),
        target: timerDueSubject(incident.tenant, incident.id),
      },
    });
  }

  /** Asks (durably) for a run of the incident's escalation now. */
  async trigger(incident: Pick<Incident, 'tenant' | 'id'>): Promise<void> {
    const body: WakeBody = { tenant: incident.tenant, incidentId: incident.id };
    await this.d.js.publish(timerDueSubject(incident.tenant, incident.id), JSON.stringify(body));
  }

  /**
   * An incident was opened or changed: triggers a run when its status or severity differs from the last
   * trigger's (so the alerts of one batch, and repeats of a firing alert, trigger once).
   */
  async changed(incident: Incident): Promise<void> {
    const state = `${incident.status}/${incident.severity}/${incident.pagingSince === null ? 'muted' : 'paging'}`;
    if (this.triggered.get(incident.id) === state) return;
    // Recorded before the publish: the alerts of a batch are handled side by side, and those of one incident
    // must trigger it once.
    if (this.triggered.size >= 100_000) this.triggered.clear();
    this.triggered.set(incident.id, state);
    try {
      await this.trigger(incident);
    } catch (e) {
      if (this.triggered.get(incident.id) === state) this.triggered.delete(incident.id);
      throw e;
    }
  }

  /** Starts consuming due wake-ups and sweeping (processing replicas only). */
  start(): void {
    this.consuming = this.consume();
    const sweepMs = this.d.sweepMs ?? SWEEP_MS;
    const sweep = () => {
      this.sweeping ??= this.sweep()
        .catch((err) => this.d.log.warn({ err }, 'escalation sweep failed'))
        .finally(() => {
          this.sweeping = null;
        });
    };
    sweep();
    this.sweepTimer = setInterval(sweep, sweepMs);
    // Long runs (a provider retried with backoff) keep their wake-up from being redelivered meanwhile.
    this.heartbeat = setInterval(() => {
      for (const a of this.active.values()) for (const m of a.msgs) m.working();
    }, ACK_WAIT_MS / 2);
  }

  /** Stops taking wake-ups and waits (up to `waitMs`) for runs in progress; unfinished ones are redelivered. */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.messages?.stop();
    await this.consuming;
    const runs = Promise.all([...this.active.values()].map((a) => a.done));
    await Promise.race([runs, new Promise((r) => setTimeout(r, waitMs).unref())]);
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  private async consume(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      try {
        const consumer = await this.d.js.consumers.get(TIMERS_STREAM, TIMERS_CONSUMER);
        const messages = await consumer.consume({ max_messages: 256, expires: 5_000 });
        this.messages = messages;
        backoff = 250;
        for await (const m of messages) {
          if (this.stopped) {
            m.nak();
            break;
          }
          let body: WakeBody;
          try {
            body = m.json<WakeBody>();
          } catch {
            this.d.log.error({ subject: m.subject }, 'undecodable escalation wake-up; dropped');
            m.term();
            continue;
          }
          void this.run(body.tenant, body.incidentId, m);
        }
      } catch (e) {
        if (this.stopped) break;
        this.d.log.warn({ err: e, retryInMs: backoff }, 'escalation consumer interrupted; restarting');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /**
   * Runs the incident's escalation (serialised per incident on this replica), then acknowledges `msg`.
   * On an error the message is redelivered a little later; the sweep retries sweep runs.
   */
  run(tenant: string, incidentId: string, msg?: JsMsg): Promise<void> {
    const running = this.active.get(incidentId);
    if (running) {
      running.again = true;
      if (msg) running.msgs.push(msg);
      return running.done;
    }
    const entry: Active = { again: true, msgs: msg ? [msg] : [], done: Promise.resolve() };
    this.active.set(incidentId, entry);
    entry.done = (async () => {
      try {
        while (entry.again && !this.stopped) {
          entry.again = false;
          await this.runOnce(tenant, incidentId);
        }
        // Stopped with a run still asked for: leave it to the next replica.
        const done = !(this.stopped && entry.again);
        for (const m of entry.msgs) {
          if (done) m.ack();
          else m.nak();
        }
      } catch (err) {
        this.d.log.warn({ err, incident: incidentId }, 'escalation run failed; it will be retried');
        for (const m of entry.msgs) m.nak(2_000);
      } finally {
        this.active.delete(incidentId);
      }
    })();
    return entry.done;
  }

  private async runOnce(tenant: string, incidentId: string): Promise<void> {
    const v = await this.d.store.read<Incident>(incidentKey(tenant, incidentId));
    if (!v) {
      this.known.delete(incidentId);
      return;
    }
    let incident = v.value;
    let nextAt: number | null;
    // SLA moments (a deadline to record, a reminder): no scheduled wake-up of their own, the sweep runs the
    // incident within SWEEP_MS + GRACE_MS of them. That saves a scheduled message per incident (most
    // incidents have an SLA deadline ahead and nothing else) at the cost of a breach recorded up to ~35 s
    // after its deadline (the deadline itself is exact on the timeline).
    let sweepAt: number | null = null;
    if (incident.pagingSince === null) {
      // Every firing alert is muted: nobody is paged. Ask again with the muters in force now; while still
      // muted, wake up when the first muting ends by itself (docs/suppression.md, "When muting ends").
      if (incident.status === 'resolved' || !this.d.recheck) {
        this.known.set(incidentId, { updatedAt: incident.updatedAt, nextAt: null, scheduled: false, dueAt: null });
        return;
      }
      const r = await this.d.recheck(incident);
      incident = r.incident;
      if (incident.pagingSince === null) nextAt = r.until;
      else {
        const run = await this.d.runner.run(incident, this.d.times(incident));
        nextAt = run.nextAt;
        sweepAt = run.sweepAt ?? null;
      }
    } else if (incident.status === 'triggered' && this.d.mutedNow?.(incident).muted) {
      // Paging, but every firing alert is muted now (a silence or window created after it started paging):
      // nobody is paged meanwhile. The end of the muting re-checks it (silence and config changes do at
      // once; a window or business hours ending, at `until`), and steps that came due meanwhile page then.
      nextAt = this.d.mutedNow(incident).until;
    } else {
      const run = await this.d.runner.run(incident, this.d.times(incident));
      nextAt = run.nextAt;
      sweepAt = run.sweepAt ?? null;
    }
    const prev = this.known.get(incidentId);
    let scheduled = false;
    if (nextAt !== null) {
      // This replica already scheduled exactly this moment: the pending wake-up stands.
      scheduled = prev?.scheduled === true && prev.nextAt === nextAt;
      if (!scheduled) {
        await this.wake(incident, nextAt);
        scheduled = true;
      }
    }
    const dueAt = nextAt === null ? sweepAt : sweepAt === null ? nextAt : Math.min(nextAt, sweepAt);
    this.known.set(incidentId, { updatedAt: incident.updatedAt, nextAt, scheduled, dueAt });
  }

  /**
   * Asks for a re-check of a tenant's muted incidents, or every tenant's (a silence changed, an inhibiting
   * source resolved, the config changed). Incidents a storm swallowed are never re-checked.
   */
  async recheckTenant(tenant?: string): Promise<void> {
    // Muted incidents may page now; paging ones may be paused by a new muting or resumed by its end.
    const muted = [...this.d.store.incidents()].filter(
      (i) =>
        (tenant === undefined || i.tenant === tenant) &&
        ((i.pagingSince === null && !i.stormIncidentId && i.status !== 'resolved') ||
          (i.pagingSince !== null && i.status === 'triggered')),
    );
    await Promise.all(muted.map((i) => this.trigger(i)));
  }

  /** See the file comment. Runs incidents that may owe something, a few at a time. */
  async sweep(): Promise<void> {
    const now = this.d.clock();
    const due: Incident[] = [];
    for (const i of this.d.store.incidents()) {
      const k = this.known.get(i.id);
      if (k && k.updatedAt === i.updatedAt && (k.dueAt === null || k.dueAt > now - GRACE_MS)) continue;
      if (i.status === 'resolved' && now - Date.parse(i.resolvedAt ?? i.updatedAt) > RESOLVED_HORIZON_MS) continue;
      due.push(i);
    }
    // Incidents gone from the bucket (router/incidents/retention.ts) leave this replica's memory too.
    for (const id of this.known.keys()) if (!this.d.store.incident(id)) this.known.delete(id);
    for (const id of this.triggered.keys()) if (!this.d.store.incident(id)) this.triggered.delete(id);
    const worker = async () => {
      for (let i = due.shift(); i && !this.stopped; i = due.shift()) await this.run(i.tenant, i.id);
    };
    await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, due.length) }, worker));
  }
}
