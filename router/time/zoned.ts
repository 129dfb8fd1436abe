// Wall-clock arithmetic in IANA time zones with Intl only (no tz database of our own).
// All functions are pure; `epoch` is milliseconds since 1970 UTC.

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock reading in `timeZone` at `epoch`, with ISO weekday (1 = Monday ... 7 = Sunday). */
export function toLocal(epoch: number, timeZone: string): LocalDateTime & { weekday: number } {
  const parts = formatter(timeZone).formatToParts(new Date(epoch));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS[get('weekday')] ?? 1,
  };
}

/** Offset of `timeZone` from UTC at `epoch`, in milliseconds (positive east of Greenwich). */
export function offsetAt(epoch: number, timeZone: string): number {
  const l = toLocal(epoch, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(epoch / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` reads `local`.
 * In a spring-forward gap the wall time does not exist: the result is the instant the gap ends
 * shifted by the same amount (02:30 -> 03:30), as Temporal's `disambiguation: 'compatible'`.
 * In a fall-back overlap the earlier of the two instants is returned.
 */
export function fromLocal(local: LocalDateTime, timeZone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Two candidate offsets: those in force a day before and a day after cover any transition.
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const candidates = [wall - before, wall - after].sort((a, b) => a - b);
  for (const c of candidates) {
    if (wall - offsetAt(c, timeZone) === c) return c;
  }
  // In a gap: neither candidate reads as `wall`. Use the offset before the transition.
  return wall - before;
}

/** Adds whole calendar days to a local date (month/year overflow handled). */
export function addDays(local: LocalDateTime, days: number): LocalDateTime {
  const d = new Date(Date.UTC(local.year, local.month - 1, local.day + days));
  return { ...local, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** ISO weekday (1 = Monday) of a local calendar date. */
export function weekdayOf(local: Pick<LocalDateTime, 'year' | 'month' | 'day'>): number {
  const w = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** `YYYY-MM-DD` of a local date. */
export function isoDate(local: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses a resource time (`2026-12-24T22:00`, optionally with seconds and an offset). Without an
 * offset it is read as wall time in `timeZone`. Returns null if the text is not such a time or names
 * an impossible date.
 */
export function parseResourceTime(text: string, timeZone: string): number | null {
  const m = LOCAL_RE.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1) return null;
  if (m[7]) return Date.parse(text);
  return fromLocal({ year, month, day, hour, minute, second }, timeZone);
}

/** Minutes since local midnight for `HH:MM` (`24:00` = 1440). */
export function parseTimeOfDay(text: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h === 24 && min === 0) return 1440;
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}
