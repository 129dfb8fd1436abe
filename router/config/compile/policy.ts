import type { NotifyTarget, PolicyConfig, ResponderConfig, ScheduleConfig } from '../compiled.ts';
import type { EscalationPolicySpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';
import { canPageResponder } from './responder.ts';
import { duration, positiveDuration } from './values.ts';

export function compilePolicy(ctx: CompileContext, r: Checked<EscalationPolicySpec>): PolicyConfig {
  const s = r.spec;
  let previous = -1;
  const steps = s.steps.map((step, i) => {
    const afterMs = duration(step.after);
    if (afterMs < previous) {
      ctx.error(r, `spec.steps[${i}].after`, `${step.after} is earlier than the step before it; list steps in order`);
    }
    previous = afterMs;
    const notify: NotifyTarget[] = step.notify.map((t, j) => {
      const field = `spec.steps[${i}].notify[${j}]`;
      if (t.schedule) return { kind: 'schedule', ref: ctx.ref(r, `${field}.schedule`, 'OnCallSchedule', t.schedule) };
      if (t.responder) return { kind: 'responder', ref: ctx.ref(r, `${field}.responder`, 'Responder', t.responder) };
      return { kind: 'channel', ref: ctx.ref(r, `${field}.channel`, 'Channel', t.channel ?? '') };
    });
    return { afterMs, notify };
  });
  return {
    key: r.key,
    name: r.name,
    steps,
    repeat: s.repeat ?? 0,
    escalateBeforeBreachMs: s.escalateBeforeBreach
      ? positiveDuration(ctx, r, 'spec.escalateBeforeBreach', s.escalateBeforeBreach)
      : null,
  };
}

/**
 * A policy that can never page anyone is an error: every target is a responder without a usable
 * contact, or a schedule whose members all are. Channels always count as reachable.
 */
export function checkPolicyReachable(
  ctx: CompileContext,
  r: Checked<EscalationPolicySpec>,
  policy: PolicyConfig,
  responders: Record<string, ResponderConfig>,
  schedules: Record<string, ScheduleConfig>,
): void {
  const pageable = (key: string) => {
    const rsp = responders[key];
    return rsp !== undefined && canPageResponder(rsp);
  };
  const reachable = policy.steps.some((step) =>
    step.notify.some((t) => {
      if (t.kind === 'channel') return true;
      if (t.kind === 'responder') return pageable(t.ref);
      const sched = schedules[t.ref];
      return sched?.layers.some((l) => l.members.some(pageable));
    }),
  );
  if (!reachable) {
    ctx.error(
      r,
      'spec.steps',
      'this policy can never page anyone: no target has a responder with a usable contact, or a channel',
    );
  }
}
