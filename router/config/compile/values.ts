// Field-level checks shared by the kind compilers: each reports at the field and returns a usable value.
import { parseDuration } from '../../time/duration.ts';
import { isValidTimeZone, parseResourceTime, parseTimeOfDay } from '../../time/zoned.ts';
import type { Matcher, WeeklyWindow } from '../compiled.ts';
import { equalityMatchers, isLabelName, parseMatcher } from '../matchers.ts';
import { DAYS } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';

export function timeZone(ctx: CompileContext, r: Checked<unknown>, field: string, tz: string): string {
  if (!isValidTimeZone(tz)) {
    ctx.error(r, field, `"${tz}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, Etc/UTC)`);
    return 'Etc/UTC';
  }
  return tz;
}

export function duration(text: string): number {
  // The schema pattern has already guaranteed the form.
  return parseDuration(text);
}

export function positiveDuration(ctx: CompileContext, r: Checked<unknown>, field: string, text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) ctx.error(r, field, 'must be longer than 0');
  return ms;
}

export function instant(ctx: CompileContext, r: Checked<unknown>, field: string, text: string, tz: string): number {
  const t = parseResourceTime(text, tz);
  if (t === null) {
    ctx.error(r, field, `"${text}" is not a valid date and time`);
    return 0;
  }
  return t;
}

export function minutes(text: string): number {
  return parseTimeOfDay(text) ?? 0;
}

export function weeklyWindow(w: { days: string[]; from: string; to: string }): WeeklyWindow {
  return {
    days: [...new Set(w.days.map((d) => DAYS.indexOf(d as (typeof DAYS)[number]) + 1))].sort(),
    from: minutes(w.from),
    to: minutes(w.to),
  };
}

export function windowChecks(ctx: CompileContext, r: Checked<unknown>, field: string, w: { from: string; to: string }) {
  if (w.from === w.to) ctx.error(r, field, `from and to are both ${w.from}: the window would be empty`);
  if (w.from === '24:00') ctx.error(r, `${field}.from`, '24:00 is only allowed as an end time');
}

/** `match` map plus `matchers` strings, each checked. */
export function matcherList(
  ctx: CompileContext,
  r: Checked<unknown>,
  field: string,
  match: Record<string, string> | undefined,
  strings: string[] | undefined,
): Matcher[] {
  const out: Matcher[] = [];
  for (const m of equalityMatchers(match)) {
    if (!isLabelName(m.name)) ctx.error(r, `${field}match.${m.name}`, 'is not a valid label name');
    else out.push(m);
  }
  out.push(...matcherStrings(ctx, r, `${field}matchers`, strings));
  return out;
}

/** Alertmanager matcher strings, each checked and reported at `field[i]`. */
export function matcherStrings(ctx: CompileContext, r: Checked<unknown>, field: string, strings: string[] | undefined) {
  const out: Matcher[] = [];
  (strings ?? []).forEach((s, i) => {
    try {
      out.push(parseMatcher(s));
    } catch (e) {
      ctx.error(r, `${field}[${i}]`, (e as Error).message);
    }
  });
  return out;
}

export function labelNames(ctx: CompileContext, r: Checked<unknown>, field: string, names: string[] | undefined) {
  (names ?? []).forEach((n, i) => {
    if (n !== '...' && !isLabelName(n)) ctx.error(r, `${field}[${i}]`, `"${n}" is not a valid label name`);
  });
}

export function uniqueNames(ctx: CompileContext, r: Checked<unknown>, field: string, items: { name: string }[]) {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.name)) ctx.error(r, `${field}[${i}].name`, `"${it.name}" is used twice`);
    seen.add(it.name);
  });
}
