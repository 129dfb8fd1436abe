// How much JetStream file storage the router's streams may reserve: one budget (SWITCHBOARD_NATS_STORAGE_BUDGET)
// split between the alerts stream, the events stream (the audit trail reports read) and the incidents
// bucket by fixed ratios (docs/scaling.md). nats-server refuses a stream whose max_bytes does not fit the
// store left (max_file_store), so the budget must be below it; the chart derives both from the volume size.
import type { BusSettings } from './settings.ts';

/**
 * Shares of the budget, in the proportion of the defaults (2 GiB : 10 GiB : 2 GiB), less 1/56 of it for the
 * dead-letter stream (256 MiB of a 14 GiB budget), taken from the events' share.
 */
export const STORAGE_SHARES = { alerts: 8 / 56, events: 39 / 56, incidents: 8 / 56, deadLetter: 1 / 56 } as const;

/** Smallest budget: each share must hold more than a burst of alerts and a day of events. */
export const MIN_STORAGE_BUDGET = 70 * 1024 ** 2;

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

/** Bytes of `text`: a number with an optional unit, decimal (K, M, G, T) or binary (Ki, Mi, Gi, Ti), B optional. */
export function parseBytes(text: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*$/i.exec(text);
  const factor = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || factor === undefined)
    throw new Error(`${name} must be a size such as 8Gi, 500M or 1073741824, got "${text}"`);
  return Math.floor(Number(m[1]) * factor);
}

/** The stream limits of a budget of `bytes`. */
export function splitStorageBudget(
  bytes: number,
): Pick<BusSettings, 'alertsMaxBytes' | 'eventsMaxBytes' | 'incidentsMaxBytes' | 'deadLetterMaxBytes'> {
  return {
    deadLetterMaxBytes: Math.floor(bytes * STORAGE_SHARES.deadLetter),
    alertsMaxBytes: Math.floor(bytes * STORAGE_SHARES.alerts),
    eventsMaxBytes: Math.floor(bytes * STORAGE_SHARES.events),
    incidentsMaxBytes: Math.floor(bytes * STORAGE_SHARES.incidents),
  };
}

/** The stream limits SWITCHBOARD_NATS_STORAGE_BUDGET asks for; none (the defaults, 14 GiB) when unset. */
export function busStorageFromEnv(env: NodeJS.ProcessEnv): Partial<BusSettings> {
  const text = env['SWITCHBOARD_NATS_STORAGE_BUDGET'];
  if (!text) return {};
  const bytes = parseBytes(text, 'SWITCHBOARD_NATS_STORAGE_BUDGET');
  if (bytes < MIN_STORAGE_BUDGET)
    throw new Error(`SWITCHBOARD_NATS_STORAGE_BUDGET must be at least 70Mi, got "${text}"`);
  return splitStorageBudget(bytes);
}
