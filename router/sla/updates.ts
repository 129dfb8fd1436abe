// Customer-update cadence of one incident, as a pure function of its times, its customer-visible notes and
// `now` (SPEC §3, docs/sla.md "Customer updates").
//
// For a severity whose target has `firstUpdate` (and optionally `updateEvery`), the first customer-visible
// note is due `firstUpdate` after the incident started paging (openedAt for an incident that paged at once);
// after each customer note the next is due `updateEvery` later, until the incident is resolved. Wall time:
// customers wait on the wall clock, whatever the coverage of the respond target.
//
// A due moment that passes without a customer note is one breach of kind `update`. It lasts until the next
// customer note (or the resolution, or `now` while neither came): that is its overrun, and the next update is
// due `updateEvery` after that note. So a silence of three intervals is one breach with a long overrun, not
// three. Without `updateEvery`, only the first update is tracked.
//
// A reminder goes out REMINDER_LEAD before each due moment (a quarter of the interval, at most 10 minutes),
// to whoever acknowledged the incident or, before that, to whoever is on call.
import type { SlaTarget } from '../config/compiled.ts';

const MAX_REMINDER_LEAD_MS = 10 * 60_000;

export interface UpdateInput {
  /** When the cadence starts: the moment the incident started paging (epoch ms). */
  startedAt: number;
  resolvedAt: number | null;
  /** Times of the customer-visible notes (epoch ms, any order). */
  customerNotes: number[];
  target: Pick<SlaTarget, 'firstUpdateMs' | 'updateEveryMs'> | undefined;
  now: number;
}

export interface UpdateDue {
  /** 0 for the first update, then 1, 2, ... */
  n: number;
  due: number;
  /** When a reminder is due for it. */
  remindAt: number;
  /** The customer note that met it (at or before `due`), or null. */
  metAt: number | null;
}

export interface UpdateBreach {
  n: number;
  due: number;
  /** How long customers were left without news past `due` (to the next note, the resolution or `now`). */
  overrunMs: number;
  ongoing: boolean;
}

export interface UpdateCadence {
  /** Every due moment reached or passed so far, and the pending one (if any), oldest first. */
  dues: UpdateDue[];
  breaches: UpdateBreach[];
  /** The due moment still ahead (not met, not passed), or null. */
  next: UpdateDue | null;
}

/** How long before a due moment its reminder goes out. */
export function reminderLead(intervalMs: number): number {
  return Math.min(MAX_REMINDER_LEAD_MS, Math.floor(intervalMs / 4));
}

export function updateCadence(input: UpdateInput): UpdateCadence {
  const out: UpdateCadence = { dues: [], breaches: [], next: null };
  const first = input.target?.firstUpdateMs ?? null;
  if (first === null) return out;
  const every = input.target?.updateEveryMs ?? null;
  const end = Math.min(input.now, input.resolvedAt ?? Number.POSITIVE_INFINITY);
  const notes = input.customerNotes.filter((t) => t >= input.startedAt && t <= end).sort((a, b) => a - b);

  let interval = first;
  let due = input.startedAt + first;
  let n = 0;
  let i = 0; // next unused note
  while (true) {
    // Resolved by then: nothing more is due.
    if (input.resolvedAt !== null && due >= input.resolvedAt) break;
    const entry: UpdateDue = { n, due, remindAt: due - reminderLead(interval), metAt: null };
    const note = notes[i];
    if (note !== undefined && note <= due) {
      // Met: the next update counts from this note.
      entry.metAt = note;
      out.dues.push(entry);
      // Notes between this one and the next due moment count from the latest of them.
      let last = note;
      i++;
      while (notes[i] !== undefined && every !== null && (notes[i] as number) <= last + every) {
        last = notes[i] as number;
        i++;
      }
      if (every === null) break;
      interval = every;
      due = last + every;
      n++;
      continue;
    }
    out.dues.push(entry);
    if (due > end) {
      // Still ahead.
      out.next = entry;
      break;
    }
    // Missed: one breach until the next customer note (or the resolution, or now).
    const until = note ?? end;
    out.breaches.push({ n, due, overrunMs: until - due, ongoing: note === undefined && until === input.now });
    if (note === undefined || every === null) break;
    i++;
    let last = note;
    while (notes[i] !== undefined && (notes[i] as number) <= last + every) {
      last = notes[i] as number;
      i++;
    }
    interval = every;
    due = last + every;
    n++;
  }
  return out;
}
