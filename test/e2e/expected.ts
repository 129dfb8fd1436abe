// What should have been sent for an incident, worked out from the config and the incident's times alone, the
// way docs/escalation.md and docs/sla.md describe it (not with the router's planner): each step of the first
// round at its offset from when the incident started paging (the next step after `respondBy -
// escalateBeforeBreach` pulled forward to it), a channel once at the step, a responder by each personal rule
// from the step on, a schedule as whoever is on call at the step's moment; and a customer-update reminder a
// quarter interval (at most 10 minutes) before each update falls due while none has been given, to whoever
// acknowledged or else to the policy's first step. Everything due before the incident was acknowledged (or
// resolved) is owed, nothing due after it may come; `margin` around that moment is left open (a replica whose
// clock runs ahead pages early, a wake-up may come a moment late).
import type { RouterConfig } from '../../router/config/compiled.ts';
import { keyPart, notificationKey } from '../../router/escalation/identity.ts';
import type { Provider } from './providers.ts';

export interface IncidentTimes {
  id: string;
  tenant: string;
  severity: string;
  policy: string;
  openedAt: string;
  pagingSince: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
}

export interface Planned {
  /** The notification's identity: its X-Switchboard-Delivery. */
  key: string;
  /** When it is due. */
  at: number;
  provider: Provider;
  /** Responder or channel key. */
  who: string;
  via: string;
  kind: 'page' | 'reminder';
  step: number;
}

export interface Expectation {
  /** Due well before the incident stopped paging: must have been delivered, once. */
  owed: Planned[];
  /** Due around the moment it stopped: at most once. */
  either: Planned[];
}

/** The fake that a channel type or a personal rule's `via` reaches. */
export const PROVIDER_OF: Record<string, Provider> = {
  slack: 'slack',
  teams: 'teams',
  email: 'smtp',
  webhook: 'automation',
  servicenow: 'servicenow',
  autotask: 'autotask',
  halopsa: 'halopsa',
  sms: 'twilio',
  voice: 'twilio',
};
const VIA_PROVIDER: Record<string, Provider> = { ...PROVIDER_OF, slack: 'slack-api', webhook: 'push' };
const TICKETS = new Set(['servicenow', 'autotask', 'halopsa']);
const MAX_REMINDER_LEAD_MS = 10 * 60_000;

export type OnCall = (schedule: string, at: number) => Promise<string | null>;

export async function expectedNotifications(
  i: IncidentTimes,
  config: RouterConfig,
  onCall: OnCall,
  customerNotes: number[],
  now: number,
  marginMs: number,
): Promise<Expectation> {
  const out: Expectation = { owed: [], either: [] };
  if (i.pagingSince === null) return out;
  const start = Math.max(Date.parse(i.openedAt), Date.parse(i.pagingSince));
  const stop = Math.min(
    i.acknowledgedAt ? Date.parse(i.acknowledgedAt) : now,
    i.resolvedAt ? Date.parse(i.resolvedAt) : now,
  );
  const policy = config.policies[i.policy];
  if (!policy) throw new Error(`policy ${i.policy} is not in the config`);
  const level = config.serviceLevels[config.tenants[i.tenant]?.serviceLevel ?? ''];
  const target = level?.targets[i.severity as 'critical'];
  const respondBy = target ? start + target.respondMs : null;

  const firings = policy.steps.map((s, step) => ({ step, at: start + s.afterMs }));
  if (respondBy !== null && policy.escalateBeforeBreachMs !== null) {
    const pullAt = Math.max(start, respondBy - policy.escalateBeforeBreachMs);
    const next = firings.find((f) => f.at > pullAt);
    if (next) next.at = pullAt;
  }
  const seen = new Set<string>();
  const place = (p: Planned) => {
    if (seen.has(p.key)) return;
    seen.add(p.key);
    if (p.at < stop - marginMs) out.owed.push(p);
    else if (p.at <= stop + marginMs) out.either.push(p);
  };
  const rulesOf = (responder: string, at: number, step: number) => {
    for (const rule of config.responders[responder]?.rules ?? []) {
      const id = {
        incidentId: i.id,
        repeat: 0,
        step,
        target: `responder/${responder}`,
        rule: `${rule.via}@${rule.afterMs}`,
      };
      place({
        key: notificationKey(id),
        at: at + rule.afterMs,
        provider: VIA_PROVIDER[rule.via] as Provider,
        who: responder,
        via: rule.via,
        kind: 'page',
        step,
      });
    }
  };
  for (const f of firings) {
    if (f.at > stop + marginMs) continue;
    for (const t of policy.steps[f.step]?.notify ?? []) {
      if (t.kind === 'channel') {
        const type = config.channels[t.ref]?.type ?? '';
        const id = { incidentId: i.id, repeat: 0, step: f.step, target: `channel/${t.ref}`, rule: '-' };
        place({
          key: notificationKey(id),
          at: f.at,
          provider: PROVIDER_OF[type] as Provider,
          who: t.ref,
          via: type,
          kind: 'page',
          step: f.step,
        });
      } else if (t.kind === 'responder') rulesOf(t.ref, f.at, f.step);
      else {
        const who = await onCall(t.ref, f.at);
        if (!who)
          throw new Error(`nobody on call in ${t.ref} at ${new Date(f.at).toISOString()}: not part of this day`);
        rulesOf(who, f.at, f.step);
      }
    }
  }

  // Customer-update reminders (docs/sla.md): the first update is due `firstUpdate` after the incident started
  // paging, each later one `updateEvery` after the latest note that answered the one before.
  if (target?.firstUpdateMs) {
    const resolved = i.resolvedAt ? Date.parse(i.resolvedAt) : Number.POSITIVE_INFINITY;
    const end = Math.min(now, resolved);
    const notes = customerNotes.filter((t) => t >= start && t <= end).sort((a, b) => a - b);
    const every = target.updateEveryMs;
    let interval = target.firstUpdateMs;
    let due = start + interval;
    let idx = 0;
    for (let n = 0; n < 10 && due < resolved; n++) {
      const remindAt = due - Math.min(MAX_REMINDER_LEAD_MS, Math.floor(interval / 4));
      const note = notes[idx];
      // The escalation sweep looks after SLA moments (within ~35 s): a reminder whose lead is shorter than that
      // (a quarter of the test's 60 s first update) may be skipped when the sweep comes after the update fell
      // due. So a reminder is never owed here, only allowed once, to the right person.
      if ((note === undefined || note > remindAt - marginMs) && remindAt <= end + marginMs) {
        out.either.push(...(await reminderTargets(i, config, onCall, remindAt, n, due)));
      }
      if (note === undefined || every === null) break;
      let last = note;
      idx++;
      while (notes[idx] !== undefined && (notes[idx] as number) <= last + every) last = notes[idx++] as number;
      interval = every;
      due = last + every;
    }
  }
  return out;
}

async function reminderTargets(
  i: IncidentTimes,
  config: RouterConfig,
  onCall: OnCall,
  at: number,
  n: number,
  due: number,
): Promise<Planned[]> {
  const key = (target: string) => `r.${i.id.replace(/[^-_a-zA-Z0-9]/g, '_')}.${n}.${due}.${keyPart(target)}`;
  const first = (responder: string): Planned | null => {
    const rule = [...(config.responders[responder]?.rules ?? [])].sort((a, b) => a.afterMs - b.afterMs)[0];
    if (!rule) return null;
    const target = `responder/${responder}`;
    return {
      key: key(target),
      at,
      provider: VIA_PROVIDER[rule.via] as Provider,
      who: responder,
      via: rule.via,
      kind: 'reminder',
      step: 0,
    };
  };
  const by = i.acknowledgedAt && Date.parse(i.acknowledgedAt) <= at ? i.acknowledgedBy : null;
  if (by) {
    const r = Object.keys(config.responders).find(
      (k) => k === by || k.endsWith(`/${by}`) || config.responders[k]?.displayName === by,
    );
    const p = r ? first(r) : null;
    if (p) return [p];
  }
  const out: Planned[] = [];
  for (const t of config.policies[i.policy]?.steps[0]?.notify ?? []) {
    if (t.kind === 'channel') {
      const type = config.channels[t.ref]?.type ?? '';
      if (TICKETS.has(type)) continue;
      out.push({
        key: key(`channel/${t.ref}`),
        at,
        provider: PROVIDER_OF[type] as Provider,
        who: t.ref,
        via: type,
        kind: 'reminder',
        step: 0,
      });
    } else {
      const who = t.kind === 'responder' ? t.ref : await onCall(t.ref, at);
      const p = who ? first(who) : null;
      if (p) out.push(p);
    }
  }
  return out;
}
