import { calendarDays } from '../../time/duration.ts';
import type { ScheduleConfig } from '../compiled.ts';
import type { OnCallScheduleSpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';
import { instant, minutes, positiveDuration, timeZone, uniqueNames, weeklyWindow, windowChecks } from './values.ts';

export function compileSchedule(ctx: CompileContext, r: Checked<OnCallScheduleSpec>): ScheduleConfig {
  const s = r.spec;
  const tz = timeZone(ctx, r, 'spec.timezone', s.timezone);
  uniqueNames(ctx, r, 'spec.layers', s.layers);
  return {
    key: r.key,
    name: r.name,
    namespace: r.namespace,
    timezone: tz,
    layers: s.layers.map((layer, i) => {
      const field = `spec.layers[${i}]`;
      const days = calendarDays(layer.rotation.every);
      const everyMs = positiveDuration(ctx, r, `${field}.rotation.every`, layer.rotation.every);
      if (days === null && everyMs < 3_600_000) {
        ctx.error(r, `${field}.rotation.every`, 'shifts shorter than 1h are not supported');
      }
      if (layer.handoff && days === null) {
        ctx.error(r, `${field}.handoff`, 'handoff needs a rotation of whole days or weeks (e.g. 1d, 1w)');
      }
      for (const [j, w] of (layer.restrictions ?? []).entries()) windowChecks(ctx, r, `${field}.restrictions[${j}]`, w);
      return {
        name: layer.name,
        start: instant(ctx, r, `${field}.start`, layer.start, tz),
        rotation: { every: layer.rotation.every, everyMs, calendarDays: days },
        handoff: layer.handoff ? minutes(layer.handoff) : null,
        members: layer.members.map((m, j) => ctx.ref(r, `${field}.members[${j}]`, 'Responder', m)),
        restrictions: (layer.restrictions ?? []).map(weeklyWindow),
      };
    }),
    overrides: (s.overrides ?? []).map((o, i) => {
      const field = `spec.overrides[${i}]`;
      const start = instant(ctx, r, `${field}.start`, o.start, tz);
      const end = instant(ctx, r, `${field}.end`, o.end, tz);
      if (end <= start) ctx.error(r, `${field}.end`, `must be after start (${o.start})`);
      return { responder: ctx.ref(r, `${field}.responder`, 'Responder', o.responder), start, end };
    }),
  };
}
