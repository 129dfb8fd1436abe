// Duration strings of the resources (`30s`, `15m`, `4h`, `3d`, `1w`, `1h30m`) to milliseconds.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PART = /([0-9]+)(ms|s|m|h|d|w)/g;
const WHOLE = /^([0-9]+(ms|s|m|h|d|w))+$/;

export function isDuration(text: string): boolean {
  return WHOLE.test(text);
}

/** Milliseconds of a duration string; throws RangeError on a malformed one. */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) throw new RangeError(`"${text}" is not a duration (use e.g. 30s, 15m, 4h, 3d, 1w)`);
  let total = 0;
  for (const m of text.matchAll(PART)) total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return total;
}

/** Whole calendar days if the duration is only days/weeks (so it follows the local calendar across DST), else null. */
export function calendarDays(text: string): number | null {
  let days = 0;
  for (const m of text.matchAll(PART)) {
    if (m[2] === 'd') days += Number(m[1]);
    else if (m[2] === 'w') days += 7 * Number(m[1]);
    else return null;
  }
  return days > 0 ? days : null;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms / 1000));
  const out: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return sign + (out.join('') || '0s');
}
