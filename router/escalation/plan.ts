// The escalation plan of one incident: which notifications are due at `now`, and when the next one is.
// Pure: the policy, the config it refers to, the incident's times and `now` in; the plan out. The runner
// recomputes it on every wake-up and lets the notification log skip what was already sent, so the plan
// needs no memory of its own and every replica computes the same one.
//
// Timing (all offsets from `startedAt`, normally the incident's openedAt):
// - Round r, step s fires at  r * cycleLength + steps[s].afterMs,  for r = 0 .. policy.repeat.
// - cycleLength = lastAfter + repeatGap, where repeatGap = lastAfter - (after of the step before it), or
//   lastAfter itself for a one-step policy, and at least MIN_REPEAT_GAP_MS. So a repeat keeps the policy's
//   rhythm: steps at 0m/15m/30m repeat at 45m/60m/75m; a single step at 0m repeats every 5 minutes.
// - escalateBeforeBreach: with an SLA respond deadline, the first firing scheduled after
//   `respondBy - escalateBeforeBreach` (but not before startedAt) is pulled forward to that moment. Only
//   that one: later steps keep their offsets. (An SLA shorter than escalateBeforeBreach therefore pages the
//   second step together with the first: the deadline is nearer than the lead time.)
// - Nobody on call: a firing with a schedule target that has nobody on call at the firing's moment (or a
//   target missing from the config) is reported as a problem, and the next firing is pulled forward to
//   the same moment, so someone is paged at once. The last firing of the last round has no next one; its
//   problem is still reported.
// - Each target of a firing: a channel is one notification at the firing time; a responder gets one
//   notification per personal rule at firing time + rule.afterMs; a schedule is the responder on call at
//   the firing time (not at `now`: a late sweep pages whoever was on call when the step was due).
// - Acknowledged or resolved: nothing is due and nothing comes next, whatever `now` is.
import type { ChannelConfig, PolicyConfig, ResponderConfig, ScheduleConfig } from '../config/compiled.ts';
import { onCallAt } from '../oncall/schedule.ts';
import {
  channelTarget,
  type NotificationIdentity,
  notificationKey,
  responderTarget,
  scheduleTarget,
} from './identity.ts';

export const MIN_REPEAT_GAP_MS = 5 * 60_000;

export type Via = ResponderConfig['rules'][number]['via'];

/** The config the plan looks targets up in (a RouterConfig fits). */
export interface PlanConfig {
  schedules: Record<string, ScheduleConfig>;
  responders: Record<string, ResponderConfig>;
  channels: Record<string, ChannelConfig>;
}

export interface PlanInput {
  incidentId: string;
  policy: PolicyConfig;
  /**
   * When escalation starts: the incident's openedAt, or, for a severity whose SLA coverage is business
   * hours, the start of business hours (the caller decides; the plan only offsets from it).
   */
  startedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  /** SLA respond deadline, for escalateBeforeBreach; null when no target applies. */
  respondBy: number | null;
  now: number;
}

export type FiringReason = 'offset' | 'before-breach' | 'nobody-on-call';

/** One step of one round, and when it fires. */
export interface StepFiring {
  repeat: number;
  step: number;
  /** When it fires. */
  at: number;
  /** When it would fire by its offset alone. */
  scheduledAt: number;
  /** Why it fires at `at`: its offset, pulled forward before an SLA breach, or for an empty schedule before it. */
  reason: FiringReason;
}

export type Recipient =
  | { kind: 'channel'; channel: string }
  | {
      kind: 'responder';
      responder: string;
      via: Via;
      /** The rule's offset from the page. */
      afterMs: number;
      /** The schedule that resolved to this responder, if any; its layer. */
      schedule: { key: string; layer: string } | null;
    };

export interface PlannedNotification {
  id: NotificationIdentity;
  /** The notification-log key of `id`. */
  key: string;
  /** When it is due. */
  at: number;
  firing: StepFiring;
  recipient: Recipient;
}

export interface StepProblem {
  id: NotificationIdentity;
  key: string;
  at: number;
  firing: StepFiring;
  problem: 'nobody-on-call' | 'unknown-target';
  /** The schedule, responder or channel at fault. */
  ref: string;
  /** What it means for the responders, in a sentence. */
  message: string;
}

export interface EscalationPlan {
  /** Every notification due at or before `now` (including ones sent before: the log skips those), by time. */
  due: PlannedNotification[];
  /** Problems of firings due at or before `now`. */
  problems: StepProblem[];
  /** The earliest moment after `now` at which something more becomes due; null when nothing will. */
  nextAt: number | null;
  /** Why nothing more will come: acknowledged, resolved, or every round has fired (finished); else null. */
  stopped: 'acknowledged' | 'resolved' | 'finished' | null;
  /** All firings with their times (for the API and the timeline). */
  firings: StepFiring[];
}

/** The length of one policy round (see the file comment). */
export function cycleLength(policy: PolicyConfig): number {
  const n = policy.steps.length;
  if (n === 0) return MIN_REPEAT_GAP_MS;
  const last = policy.steps[n - 1]?.afterMs ?? 0;
  const before = n > 1 ? (policy.steps[n - 2]?.afterMs ?? 0) : 0;
  return last + Math.max(last - before, MIN_REPEAT_GAP_MS);
}

/** Firings of every round by their offsets, with escalateBeforeBreach applied; in firing order. */
export function stepFirings(policy: PolicyConfig, startedAt: number, respondBy: number | null): StepFiring[] {
  const cycle = cycleLength(policy);
  const out: StepFiring[] = [];
  for (let r = 0; r <= policy.repeat; r++) {
    policy.steps.forEach((s, step) => {
      const at = startedAt + r * cycle + s.afterMs;
      out.push({ repeat: r, step, at, scheduledAt: at, reason: 'offset' });
    });
  }
  // Steps are sorted by `after` (the compiler keeps the manifest order; sort anyway so time order holds).
  out.sort((a, b) => a.at - b.at || a.repeat - b.repeat || a.step - b.step);
  if (respondBy !== null && policy.escalateBeforeBreachMs !== null) {
    const pullAt = Math.max(startedAt, respondBy - policy.escalateBeforeBreachMs);
    const next = out.find((f) => f.at > pullAt);
    if (next) {
      next.at = pullAt;
      next.reason = 'before-breach';
    }
  }
  return out;
}

/** The notifications one firing sends, and its problems. Pure lookup in `config`. */
export function expandFiring(
  incidentId: string,
  policy: PolicyConfig,
  firing: StepFiring,
  config: PlanConfig,
): { notifications: PlannedNotification[]; problems: StepProblem[] } {
  const notifications: PlannedNotification[] = [];
  const problems: StepProblem[] = [];
  const seen = new Set<string>();
  const base = { incidentId, repeat: firing.repeat, step: firing.step };
  const problem = (p: StepProblem['problem'], target: string, ref: string, message: string) => {
    const id = { ...base, target, rule: p };
    problems.push({ id, key: notificationKey(id), at: firing.at, firing, problem: p, ref, message });
  };
  const add = (id: NotificationIdentity, at: number, recipient: Recipient) => {
    const key = notificationKey(id);
    if (seen.has(key)) return;
    seen.add(key);
    notifications.push({ id, key, at, firing, recipient });
  };
  const pageResponder = (key: string, schedule: { key: string; layer: string } | null) => {
    const r = config.responders[key];
    if (!r) {
      problem('unknown-target', responderTarget(key), key, `responder ${key} is not in the configuration`);
      return;
    }
    for (const rule of r.rules) {
      add({ ...base, target: responderTarget(key), rule: `${rule.via}@${rule.afterMs}` }, firing.at + rule.afterMs, {
        kind: 'responder',
        responder: key,
        via: rule.via,
        afterMs: rule.afterMs,
        schedule,
      });
    }
  };

  for (const t of policy.steps[firing.step]?.notify ?? []) {
    if (t.kind === 'channel') {
      if (!config.channels[t.ref]) {
        problem('unknown-target', channelTarget(t.ref), t.ref, `channel ${t.ref} is not in the configuration`);
      } else {
        add({ ...base, target: channelTarget(t.ref), rule: '-' }, firing.at, { kind: 'channel', channel: t.ref });
      }
    } else if (t.kind === 'responder') {
      pageResponder(t.ref, null);
    } else {
      const schedule = config.schedules[t.ref];
      const who = schedule ? onCallAt(schedule, firing.at) : null;
      if (!schedule) {
        problem('unknown-target', scheduleTarget(t.ref), t.ref, `schedule ${t.ref} is not in the configuration`);
      } else if (!who) {
        problem(
          'nobody-on-call',
          scheduleTarget(t.ref),
          t.ref,
          `nobody is on call in schedule ${t.ref} at ${new Date(firing.at).toISOString()}; the next step is paged now`,
        );
      } else {
        pageResponder(who.responder, { key: t.ref, layer: who.layer });
      }
    }
  }
  return { notifications, problems };
}

/** See the file comment. */
export function planEscalation(input: PlanInput, config: PlanConfig): EscalationPlan {
  const firings = stepFirings(input.policy, input.startedAt, input.respondBy);
  if (input.resolvedAt !== null) return { due: [], problems: [], nextAt: null, stopped: 'resolved', firings };
  if (input.acknowledgedAt !== null) return { due: [], problems: [], nextAt: null, stopped: 'acknowledged', firings };

  const due: PlannedNotification[] = [];
  const problems: StepProblem[] = [];
  let nextAt: number | null = null;
  const later = (t: number) => {
    if (nextAt === null || t < nextAt) nextAt = t;
  };
  for (let i = 0; i < firings.length; i++) {
    const f = firings[i] as StepFiring;
    // Expanded even when in the future: an empty schedule then pulls the next firing forward, which
    // decides `nextAt`. (Recomputed at every wake-up, so a config change in between is honoured.)
    const x = expandFiring(input.incidentId, input.policy, f, config);
    const next = firings[i + 1];
    if (next && next.at > f.at && x.problems.some((p) => p.problem === 'nobody-on-call')) {
      next.at = f.at;
      next.reason = 'nobody-on-call';
    }
    if (f.at > input.now) {
      later(f.at);
      continue;
    }
    problems.push(...x.problems);
    for (const n of x.notifications) {
      if (n.at <= input.now) due.push(n);
      else later(n.at);
    }
  }
  due.sort((a, b) => a.at - b.at);
  return { due, problems, nextAt, stopped: nextAt === null ? 'finished' : null, firings };
}
