// Drives one incident's escalation: computes the plan at `now`, sends every due notification that the
// notification log lets this replica claim, and tells the caller when to wake it next. Also updates the
// incident's tickets when it is acknowledged or resolved.
//
// The caller (the pipeline) calls `run(incident, times)` whenever the incident opens or changes and
// whenever the returned `nextAt` comes (a durable timer or a periodic sweep). Calling it too often is
// harmless: a sent notification is settled in the log and skipped; calling it late only delays pages.
// Steps are data (the policy and the incident's times), never setTimeouts, so a restarted router or
// another replica picks up exactly where the dead one stopped.
import type { Clock } from '../clock.ts';
import type { RouterConfig } from '../config/compiled.ts';
import type { Incident, IncidentEvent } from '../incidents/model.ts';
import type { Logger } from '../log.ts';
import type { AckLinks } from '../notify/ack-link.ts';
import { messageContext } from '../notify/context.ts';
import { channelDestination, type DestinationResult, responderDestination } from '../notify/destination.ts';
import type { Dispatcher } from '../notify/dispatch.ts';
import type { NotifyMetrics } from '../notify/metrics.ts';
import { type BackoffPolicy, type RetryDeps, realRetryDeps, withRetry } from '../notify/retry.ts';
import type { NotifySettings } from '../notify/settings.ts';
import { isTicketDestination, type Message, type MessageEvent } from '../notify/types.ts';
import { onCallAt } from '../oncall/schedule.ts';
import { type DueBreach, type DueReminder, hasUpdateCadence, slaDuties } from '../sla/watch.ts';
import type { NotificationEvent } from './events.ts';
import { channelTarget, keyPart, ticketKey, ticketUpdateKey } from './identity.ts';
import type { NotificationLog } from './log.ts';
import { type PlannedNotification, planEscalation, type Recipient, type StepProblem } from './plan.ts';

export interface EscalationDeps {
  log: NotificationLog;
  dispatcher: Pick<Dispatcher, 'send'>;
  /** The config in force (read at every run, so reloads apply to the next wake-up). */
  config: () => RouterConfig;
  settings: NotifySettings;
  ackLinks: AckLinks;
  metrics: NotifyMetrics;
  clock: Clock;
  /** This replica's name in claims (pod name, or host and pid). */
  owner: string;
  /** Appends a notification outcome or an SLA breach to the incident's timeline. */
  appendEvent: (e: NotificationEvent | IncidentEvent) => Promise<void>;
  /**
   * Times of the incident's customer-visible notes (from its timeline), for the customer-update cadence; read
   * only for severities that have one. Without it, update reminders and update breaches are not tracked.
   */
  customerNotes?: (incident: Incident) => Promise<number[]>;
  /** switchboard_sla_breaches_total, counted by the replica that records the breach. */
  breaches?: { inc(labels: { tenant: string; severity: string; kind: string }): void };
  logger: Logger;
  retry?: { policy?: BackoffPolicy; deps?: RetryDeps };
}

/** The times the plan needs besides the incident's own (the caller computes them from the SLA). */
export interface EscalationTimes {
  /** SLA respond deadline; null when the severity has no target. */
  respondBy: number | null;
  /** When escalation starts; default the incident's openedAt (later for business-hours coverage). */
  startedAt?: number;
}

export interface RunResult {
  /** When to run again: the plan's next notification, or when a claim held by another replica expires. */
  nextAt: number | null;
  /** The incident's next SLA deadline (a breach to record then); the sweep looks after it. */
  sweepAt?: number | null;
  stopped: 'acknowledged' | 'resolved' | 'finished' | null;
  sent: number;
  failed: number;
}

interface TicketRecord {
  ref: string;
  /** The notification that created it. */
  createdBy: string;
}

const MAX_SETTLED_CACHE = 100_000;

export class EscalationRunner {
  /** Keys this replica knows are settled: settled records never change, so no need to read them again. */
  private readonly settled = new Set<string>();

  constructor(private readonly d: EscalationDeps) {}

  async run(incident: Incident, times: EscalationTimes): Promise<RunResult> {
    const config = this.d.config();
    const policy = config.policies[incident.policy];
    const result: RunResult = { nextAt: null, stopped: null, sent: 0, failed: 0 };
    if (!policy) {
      this.d.logger.error({ incident: incident.id, policy: incident.policy }, 'escalation policy not in the config');
      return result;
    }
    // The incident's last change proves that it is at least that late (on the clock of the replica that wrote
    // it): a replica whose clock is behind the writer's would otherwise hold back what is already due, such as
    // the first page of an incident another replica has just opened, until its own clock caught up.
    const now = Math.max(this.d.clock(), Date.parse(incident.updatedAt) || 0);
    const plan = planEscalation(
      {
        incidentId: incident.id,
        policy,
        startedAt: times.startedAt ?? Date.parse(incident.openedAt),
        acknowledgedAt: incident.acknowledgedAt ? Date.parse(incident.acknowledgedAt) : null,
        resolvedAt: incident.resolvedAt ? Date.parse(incident.resolvedAt) : null,
        respondBy: times.respondBy,
        now,
      },
      config,
    );
    result.stopped = plan.stopped;
    const later = (t: number | null) => {
      if (t !== null && (result.nextAt === null || t < result.nextAt)) result.nextAt = t;
    };
    later(plan.nextAt);
    const sla = await this.sla(incident, config, times, now);
    result.sweepAt = sla.deadlineAt;
    // A reminder must go out before its update is due: it gets a wake-up of its own.
    later(sla.remindAt);

    if (plan.stopped === 'acknowledged' || plan.stopped === 'resolved') {
      later(await this.updateTickets(incident, config));
      return result;
    }
    const outcomes = await Promise.all([
      ...plan.problems.map((p) => this.report(incident, p)),
      ...plan.due.map((n) => this.deliver(incident, n, times, config)),
    ]);
    for (const o of outcomes) {
      if (o === 'sent') result.sent++;
      else if (o === 'failed') result.failed++;
      else if (typeof o === 'number') later(o);
    }
    return result;
  }

  /**
   * The incident's SLA duties (router/sla/watch.ts): records each missed deadline once (a `sla.breached`
   * event and the breaches counter) and sends each customer-update reminder once. Returns the next deadline
   * (or when a claim another replica holds expires) and the next reminder.
   */
  private async sla(
    incident: Incident,
    config: RouterConfig,
    times: EscalationTimes,
    now: number,
  ): Promise<{ deadlineAt: number | null; remindAt: number | null }> {
    const level = config.serviceLevels[config.tenants[incident.tenant]?.serviceLevel ?? ''];
    if (!level?.targets[incident.severity]) return { deadlineAt: null, remindAt: null };
    const notes = hasUpdateCadence(incident, level) && this.d.customerNotes ? await this.d.customerNotes(incident) : [];
    const duties = slaDuties(incident, level, notes, now);
    let nextAt = duties.nextAt;
    const later = (t: number | null) => {
      if (t !== null && (nextAt === null || t < nextAt)) nextAt = t;
    };
    const outcomes = await Promise.all([
      ...duties.breaches.map((b) => this.recordBreach(incident, b)),
      ...duties.reminders.flatMap((r) => this.remind(incident, r, config, times, now)),
    ]);
    for (const o of outcomes) if (typeof o === 'number') later(o);
    return { deadlineAt: nextAt, remindAt: duties.remindAt };
  }

  private async recordBreach(incident: Incident, b: DueBreach): Promise<number | null> {
    const c = await this.claim(b.key);
    if (c === 'skip') return null;
    if ('busyUntil' in c) return c.busyUntil;
    this.d.breaches?.inc({ tenant: incident.tenant, severity: incident.severity, kind: b.kind });
    this.d.logger.warn(
      { incident: incident.id, tenant: incident.tenant, kind: b.kind, deadline: b.deadline },
      `SLA ${b.kind} deadline missed`,
    );
    const event: IncidentEvent = {
      type: 'sla.breached',
      at: new Date(this.d.clock()).toISOString(),
      tenant: incident.tenant,
      incidentId: incident.id,
      severity: incident.severity,
      kind: b.kind,
      deadline: b.deadline,
    };
    try {
      await this.d.appendEvent(event);
    } catch (err) {
      this.d.logger.warn({ err, key: b.key }, 'could not append the breach event');
    }
    await this.d.log.markSent(b.key, { state: 'reported', outcome: `${b.kind}-breach` }, this.d.clock());
    this.remember(b.key);
    return null;
  }

  /**
   * Who is reminded of a customer update: whoever acknowledged the incident (when that names a responder),
   * else whoever the policy's first step pages now (schedules resolved at `now`, responders, and channels that
   * are not ticket systems).
   */
  private reminderRecipients(incident: Incident, config: RouterConfig, now: number): Recipient[] {
    const via = (key: string) => {
      const rules = config.responders[key]?.rules ?? [];
      const first = [...rules].sort((a, b) => a.afterMs - b.afterMs)[0];
      return first ? { kind: 'responder' as const, responder: key, via: first.via, afterMs: 0, schedule: null } : null;
    };
    const by = incident.acknowledgedBy;
    if (by) {
      const key = Object.keys(config.responders).find(
        (k) => k === by || k.endsWith(`/${by}`) || config.responders[k]?.displayName === by,
      );
      const r = key ? via(key) : null;
      if (r) return [r];
    }
    const out: Recipient[] = [];
    for (const t of config.policies[incident.policy]?.steps[0]?.notify ?? []) {
      if (t.kind === 'responder') {
        const r = via(t.ref);
        if (r) out.push(r);
      } else if (t.kind === 'schedule') {
        const schedule = config.schedules[t.ref];
        const who = schedule ? onCallAt(schedule, now) : null;
        const r = who ? via(who.responder) : null;
        if (r) out.push(r);
      } else {
        const ch = config.channels[t.ref];
        const dest = ch ? channelDestination(ch) : null;
        if (dest && !('error' in dest) && !isTicketDestination(dest.destination)) {
          out.push({ kind: 'channel', channel: t.ref });
        }
      }
    }
    return out;
  }

  private remind(
    incident: Incident,
    r: DueReminder,
    config: RouterConfig,
    times: EscalationTimes,
    now: number,
  ): Promise<number | 'sent' | 'failed' | 'skip'>[] {
    return this.reminderRecipients(incident, config, now).map(async (recipient) => {
      const target =
        recipient.kind === 'channel' ? channelTarget(recipient.channel) : `responder/${recipient.responder}`;
      const key = `${r.key}.${keyPart(target)}`;
      const c = await this.claim(key);
      if (c === 'skip') return 'skip';
      if ('busyUntil' in c) return c.busyUntil;
      const n = { recipient } as PlannedNotification;
      const base = this.baseEvent(incident, key, { repeat: 0, step: 0, target, rule: `update-reminder-${r.n + 1}` });
      const dest = this.destinationOf(n, config);
      if ('error' in dest) {
        await this.settle(
          key,
          { state: 'failed', outcome: dest.error },
          { type: 'notification.failed', ...base, error: dest.error },
        );
        return 'failed';
      }
      const responder = recipient.kind === 'responder' ? config.responders[recipient.responder] : undefined;
      const message: Message = {
        destination: dest.destination,
        event: 'update_due',
        template: null,
        deliveryId: key,
        ticketRef: null,
        context: messageContext({
          incident,
          tenant: config.tenants[incident.tenant],
          respondBy: times.respondBy,
          ackUrl: '',
          repeat: 0,
          step: 0,
          recipientName: responder?.displayName ?? '',
          updateDue: r.due,
        }),
      };
      const { result, attempts } = await this.sendWithRetry(message, c.claimedAt);
      this.d.metrics.notifications.inc({ type: dest.destination.type, outcome: result.ok ? 'sent' : 'failed' });
      await this.settle(
        key,
        result.ok ? { state: 'sent', outcome: 'update-reminder' } : { state: 'failed', outcome: result.error },
        {
          type: result.ok ? 'notification.sent' : 'notification.failed',
          ...base,
          destination: dest.destination.type,
          attempts,
          ...(result.ok ? {} : { error: result.error }),
        },
      );
      return result.ok ? 'sent' : 'failed';
    });
  }

  private remember(key: string): void {
    if (this.settled.size >= MAX_SETTLED_CACHE) this.settled.clear();
    this.settled.add(key);
  }

  /**
   * Claims a key: 'skip' when settled, the lease's end when another replica holds it (wake up then in
   * case it died), or the claim's start time when this replica won.
   */
  private async claim(key: string): Promise<'skip' | { busyUntil: number } | { claimedAt: number }> {
    if (this.settled.has(key)) return 'skip';
    const c = await this.d.log.claim(key, this.d.owner, this.d.clock());
    if (c.won) return { claimedAt: c.record.claimedAt };
    if (c.reason === 'settled') {
      this.remember(key);
      return 'skip';
    }
    return { busyUntil: c.record.leaseUntil };
  }

  private async settle(
    key: string,
    outcome: { state: 'sent' | 'failed' | 'reported'; outcome: string; ref?: string },
    event: NotificationEvent,
  ): Promise<void> {
    // Timeline first: if the router dies between the two, the re-send appends the same event id again,
    // which the events stream drops as a duplicate.
    try {
      await this.d.appendEvent(event);
    } catch (err) {
      this.d.logger.warn({ err, key }, 'could not append the notification event');
    }
    await this.d.log.markSent(key, outcome, this.d.clock());
    this.remember(key);
  }

  private baseEvent(
    incident: Incident,
    key: string,
    p: { repeat: number; step: number; target: string; rule: string },
  ) {
    return {
      at: new Date(this.d.clock()).toISOString(),
      tenant: incident.tenant,
      incidentId: incident.id,
      key,
      repeat: p.repeat,
      step: p.step,
      target: p.target,
      rule: p.rule,
    };
  }

  /** A step problem (nobody on call, unknown target): reported once, never silent. */
  private async report(incident: Incident, p: StepProblem): Promise<number | 'reported' | 'skip'> {
    const c = await this.claim(p.key);
    if (c === 'skip') return 'skip';
    if ('busyUntil' in c) return c.busyUntil;
    this.d.metrics.notifications.inc({ type: 'schedule', outcome: p.problem.replace(/-/g, '_') });
    this.d.logger.error({ incident: incident.id, problem: p.problem, ref: p.ref }, p.message);
    await this.settle(
      p.key,
      { state: 'reported', outcome: p.problem },
      { type: 'escalation.problem', ...this.baseEvent(incident, p.key, p.id), error: p.message },
    );
    return 'reported';
  }

  private destinationOf(n: PlannedNotification, config: RouterConfig): DestinationResult {
    const r = n.recipient;
    if (r.kind === 'channel') {
      const ch = config.channels[r.channel];
      return ch ? channelDestination(ch) : { error: `channel ${r.channel} is not in the configuration` };
    }
    const responder = config.responders[r.responder];
    return responder
      ? responderDestination(responder, r.via, this.d.settings)
      : { error: `responder ${r.responder} is not in the configuration` };
  }

  private async deliver(
    incident: Incident,
    n: PlannedNotification,
    times: EscalationTimes,
    config: RouterConfig,
  ): Promise<number | 'sent' | 'failed' | 'skip'> {
    const c = await this.claim(n.key);
    if (c === 'skip') return 'skip';
    if ('busyUntil' in c) return c.busyUntil;

    const r = n.recipient;
    if (r.kind === 'responder' && isFirstRule(config, r.responder, r.afterMs)) {
      this.d.metrics.pages.inc({ responder: r.responder });
    }
    const base = {
      ...this.baseEvent(incident, n.key, n.id),
      ...(r.kind === 'responder' && r.schedule ? { viaSchedule: r.schedule } : {}),
    };
    const dest = this.destinationOf(n, config);
    if ('error' in dest) {
      this.d.metrics.notifications.inc({
        type: r.kind === 'responder' ? r.via : (config.channels[r.channel]?.type ?? 'channel'),
        outcome: 'misconfigured',
      });
      await this.settle(
        n.key,
        { state: 'failed', outcome: dest.error },
        { type: 'notification.failed', ...base, error: dest.error },
      );
      return 'failed';
    }
    const destination = dest.destination;
    const channel = r.kind === 'channel' ? config.channels[r.channel] : undefined;
    const ticket =
      r.kind === 'channel' && isTicketDestination(destination)
        ? await this.d.log.read<TicketRecord>(ticketKey(incident.id, r.channel))
        : null;
    const responder = r.kind === 'responder' ? config.responders[r.responder] : undefined;
    const message: Message = {
      destination,
      event: 'page',
      template: channel?.template ?? null,
      deliveryId: n.key,
      ticketRef: ticket?.ref ?? null,
      context: messageContext({
        incident,
        tenant: config.tenants[incident.tenant],
        respondBy: times.respondBy,
        ackUrl: this.d.ackLinks.url(
          incident.id,
          incident.tenant,
          this.d.clock(),
          r.kind === 'responder' ? r.responder : undefined,
        ),
        repeat: n.id.repeat,
        step: n.id.step,
        recipientName: responder?.displayName ?? '',
      }),
    };
    const outcome = await this.sendWithRetry(message, c.claimedAt);
    const sent = outcome.result;
    if (sent.ok && r.kind === 'channel' && isTicketDestination(destination) && !ticket && sent.ref) {
      await this.d.log.putOnce<TicketRecord>(ticketKey(incident.id, r.channel), { ref: sent.ref, createdBy: n.key });
    }
    this.d.metrics.notifications.inc({ type: destination.type, outcome: sent.ok ? 'sent' : 'failed' });
    const ref = sent.ok ? sent.ref : undefined;
    await this.settle(
      n.key,
      sent.ok ? { state: 'sent', outcome: 'sent', ...(ref ? { ref } : {}) } : { state: 'failed', outcome: sent.error },
      {
        type: sent.ok ? 'notification.sent' : 'notification.failed',
        ...base,
        destination: destination.type,
        attempts: outcome.attempts,
        ...(ref ? { ref } : {}),
        ...(sent.ok ? {} : { error: sent.error }),
      },
    );
    if (!sent.ok) this.d.logger.warn({ incident: incident.id, key: n.key, error: sent.error }, 'notification failed');
    return sent.ok ? 'sent' : 'failed';
  }

  private async sendWithRetry(message: Message, claimedAt: number) {
    const outcome = await withRetry(
      () => this.d.dispatcher.send(message),
      {
        ...(this.d.retry?.policy ? { policy: this.d.retry.policy } : {}),
        deadline: this.d.log.sendDeadline(claimedAt),
        attemptTimeoutMs: this.d.settings.requestTimeoutMs,
      },
      this.d.retry?.deps ?? { ...realRetryDeps, clock: this.d.clock },
    );
    for (const _ of outcome.retried)
      this.d.metrics.notifications.inc({ type: message.destination.type, outcome: 'retried' });
    return outcome;
  }

  /**
   * Acknowledged or resolved: updates each ticket this incident has in the policy's ticket channels, once
   * per state. Returns when to run again if a ticket may still be being created by another replica.
   */
  private async updateTickets(incident: Incident, config: RouterConfig): Promise<number | null> {
    const event: MessageEvent = incident.status === 'resolved' ? 'resolved' : 'acknowledged';
    const by = (event === 'resolved' ? incident.resolvedBy : incident.acknowledgedBy) ?? '';
    const policy = config.policies[incident.policy];
    const channels = new Set(
      (policy?.steps ?? []).flatMap((s) => s.notify.filter((t) => t.kind === 'channel').map((t) => t.ref)),
    );
    let retryAt: number | null = null;
    for (const ch of channels) {
      const channel = config.channels[ch];
      if (!channel) continue;
      const dest = channelDestination(channel);
      if ('error' in dest || !isTicketDestination(dest.destination)) continue;
      const ticket = await this.d.log.read<TicketRecord>(ticketKey(incident.id, ch));
      if (!ticket) {
        const until = await this.ticketInFlight(incident.id, ch);
        if (until !== null && (retryAt === null || until < retryAt)) retryAt = until;
        continue;
      }
      const key = ticketUpdateKey(incident.id, ch, event);
      const c = await this.claim(key);
      if (c === 'skip') continue;
      if ('busyUntil' in c) {
        if (retryAt === null || c.busyUntil < retryAt) retryAt = c.busyUntil;
        continue;
      }
      const message: Message = {
        destination: dest.destination,
        event,
        template: null,
        deliveryId: key,
        ticketRef: ticket.ref,
        context: messageContext({
          incident,
          tenant: config.tenants[incident.tenant],
          respondBy: null,
          ackUrl: '',
          repeat: 0,
          step: 0,
          recipientName: '',
          by,
        }),
      };
      const { result, attempts } = await this.sendWithRetry(message, c.claimedAt);
      this.d.metrics.notifications.inc({ type: dest.destination.type, outcome: result.ok ? 'sent' : 'failed' });
      await this.settle(
        key,
        result.ok ? { state: 'sent', outcome: event, ref: ticket.ref } : { state: 'failed', outcome: result.error },
        {
          type: result.ok ? 'notification.sent' : 'notification.failed',
          ...this.baseEvent(incident, key, { repeat: 0, step: 0, target: channelTarget(ch), rule: event }),
          destination: dest.destination.type,
          attempts,
          ref: ticket.ref,
          ...(result.ok ? {} : { error: result.error }),
        },
      );
    }
    return retryAt;
  }

  /** The lease end of a page to this ticket channel that is claimed but not settled (a ticket being created). */
  private async ticketInFlight(incidentId: string, channel: string): Promise<number | null> {
    const keys = await this.d.log.keys(`n.${keyPart(incidentId)}.*.*.${keyPart(channelTarget(channel))}.-`);
    for (const k of keys) {
      const e = await this.d.log.get(k);
      if (e?.record.state === 'claimed') return e.record.leaseUntil;
    }
    return null;
  }
}

/** Whether a rule is the responder's first (lowest offset): that notification counts as the page. */
function isFirstRule(config: RouterConfig, responder: string, afterMs: number): boolean {
  const rules = config.responders[responder]?.rules ?? [];
  return rules.length > 0 && afterMs === Math.min(...rules.map((x) => x.afterMs));
}
