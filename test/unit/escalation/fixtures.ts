// Config pieces for escalation tests, built the way the compiler would build them.
import assert from 'node:assert/strict';
import type {
  ChannelConfig,
  PolicyConfig,
  ResponderConfig,
  RouterConfig,
  ScheduleConfig,
  WeeklyWindow,
} from '../../../router/config/compiled.ts';
import { calendarDays, parseDuration } from '../../../router/time/duration.ts';
import { parseResourceTime, parseTimeOfDay } from '../../../router/time/zoned.ts';

export const MIN = 60_000;
export const t = (iso: string) => Date.parse(iso);

export function policy(
  steps: { after: string; notify: PolicyConfig['steps'][number]['notify'] }[],
  opts: { repeat?: number; escalateBeforeBreach?: string } = {},
): PolicyConfig {
  return {
    key: 'msp/p',
    name: 'p',
    steps: steps.map((s) => ({ afterMs: parseDuration(s.after), notify: s.notify })),
    repeat: opts.repeat ?? 0,
    escalateBeforeBreachMs: opts.escalateBeforeBreach ? parseDuration(opts.escalateBeforeBreach) : null,
  };
}

export function responder(name: string, rules: [string, ResponderConfig['rules'][number]['via']][]): ResponderConfig {
  return {
    key: `msp/${name}`,
    name,
    displayName: name.replace(/^./, (c) => c.toUpperCase()),
    timezone: null,
    contact: { email: `${name}@msp.example`, phone: '+4915112345678' },
    rules: rules.map(([after, via]) => ({ afterMs: parseDuration(after), via })),
  };
}

export function channel(
  name: string,
  type: ChannelConfig['type'] = 'webhook',
  extra: Partial<ChannelConfig> = {},
): ChannelConfig {
  return {
    key: `msp/${name}`,
    name,
    type,
    settings: { url: 'http://127.0.0.1:9/hook' },
    secrets: {},
    template: null,
    ...extra,
  };
}

const minutes = (hhmm: string) => {
  const m = parseTimeOfDay(hhmm);
  assert.ok(m !== null);
  return m;
};

export function restriction(days: number[], from: string, to: string): WeeklyWindow {
  return { days, from: minutes(from), to: minutes(to) };
}

/** One-layer schedule; `start` is local to `timezone`. */
export function schedule(
  name: string,
  timezone: string,
  layer: { start: string; every: string; handoff?: string; members: string[]; restrictions?: WeeklyWindow[] },
): ScheduleConfig {
  const start = parseResourceTime(layer.start, timezone);
  assert.ok(start !== null);
  return {
    key: `msp/${name}`,
    name,
    namespace: 'msp',
    timezone,
    layers: [
      {
        name: 'primary',
        start,
        rotation: { every: layer.every, everyMs: parseDuration(layer.every), calendarDays: calendarDays(layer.every) },
        handoff: layer.handoff ? minutes(layer.handoff) : null,
        members: layer.members.map((m) => `msp/${m}`),
        restrictions: layer.restrictions ?? [],
      },
    ],
    overrides: [],
  };
}

export function routerConfig(parts: {
  policies?: PolicyConfig[];
  schedules?: ScheduleConfig[];
  responders?: ResponderConfig[];
  channels?: ChannelConfig[];
}): RouterConfig {
  const byKey = <T extends { key: string }>(xs: T[] = []) => Object.fromEntries(xs.map((x) => [x.key, x]));
  return {
    hash: 'test',
    tenants: {},
    serviceLevels: {},
    schedules: byKey(parts.schedules),
    policies: byKey(parts.policies),
    responders: byKey(parts.responders),
    channels: byKey(parts.channels),
    maintenanceWindows: [],
  };
}
