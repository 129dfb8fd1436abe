// What to do with a tenant's messages that could not be applied: retry (NATS was unavailable a moment, or
// another writer kept changing the same keys) or, once it is clear that retrying cannot help, dead-letter
// them (router/bus/deadletter.ts) so the rest of the partition moves on. Pure: the consumer does the I/O.
import { isTransient } from '../bus/retry.ts';
import { RevisionConflict } from '../incidents/store.ts';

/** Why messages were dead-lettered: the `reason` label of switchboard_alerts_dead_lettered_total. */
export type DeadLetterReason = 'too_large' | 'store_full' | 'invalid' | 'failing';

export type FailureKind = { transient: true } | { transient: false; reason: DeadLetterReason };

/** Attempts of a deterministic failure (too large, invalid) before its messages are dead-lettered. */
export const PERMANENT_ATTEMPTS = 3;
/** Attempts of a failure nobody recognised: a bug, or a cause this code does not know yet. */
export const UNKNOWN_ATTEMPTS = 6;

const TOO_LARGE = /max_payload|maximum payload|message size exceeds|size exceeded|exceeds maximum|too large/i;
/** A bucket or stream at its max_bytes (discard new): nothing more is stored until space is freed. */
const STORE_FULL = /maximum bytes exceeded|insufficient (storage|resources)|10047|storage limit/i;
/**
 * NATS restarting, electing a leader or unreachable, beyond what retryTransient (router/bus/retry.ts)
 * recognises: none of these may dead-letter anything however long they last.
 */
const UNAVAILABLE =
  /unavailable|temporarily|no responders|stream not found|no servers|not connected|closed|reconnect|ECONNREFUSED|ECONNRESET|10008|\b503\b/i;
const INVALID = /not an alert batch|unexpected token|json|invalid|validation/i;

/** Whether retrying may help: NATS unavailable, timing out or disconnected, or a compare-and-set conflict. */
export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof RevisionConflict) return { transient: true };
  const message = (err as Error)?.message ?? String(err);
  // Before isTransient: "max_payload size exceeded" mentions no timeout, but be explicit about its class.
  if (TOO_LARGE.test(message)) return { transient: false, reason: 'too_large' };
  if (STORE_FULL.test(message)) return { transient: false, reason: 'store_full' };
  if (
    isTransient(err) ||
    UNAVAILABLE.test(message) ||
    /concurrent|conflict|resolved meanwhile|not readable yet/i.test(message)
  ) {
    return { transient: true };
  }
  if (err instanceof SyntaxError || INVALID.test(message)) return { transient: false, reason: 'invalid' };
  return { transient: false, reason: 'failing' };
}

export type NextStep = { retryInMs: number } | { deadLetter: DeadLetterReason };

/**
 * After the `attempt`-th failed attempt (1 = the first) of a tenant's messages: wait and retry, or dead-letter
 * them. Transient failures are retried for as long as they last (a NATS restart must lose nothing).
 */
export function nextStep(kind: FailureKind, attempt: number): NextStep {
  const retryInMs = Math.min(250 * 2 ** (attempt - 1), 5_000);
  if (kind.transient) return { retryInMs };
  const limit = kind.reason === 'failing' ? UNKNOWN_ATTEMPTS : PERMANENT_ATTEMPTS;
  return attempt >= limit ? { deadLetter: kind.reason } : { retryInMs };
}
