// switchboard_alerts_suppressed_total{tenant,reason} (SPEC §4). Defined here, next to the reasons, and
// registered on the router's registry by whoever wires suppression into the pipeline.
import { Counter, type Registry } from 'prom-client';
import type { MuteVerdict } from './muter.ts';

export type SuppressedCounter = Counter<'tenant' | 'reason'>;

export function createSuppressedCounter(registry: Registry): SuppressedCounter {
  return new Counter({
    name: 'switchboard_alerts_suppressed_total',
    help: 'Firing alerts recorded but not paged, by tenant and reason (the first reason that applied), counted once per firing.',
    labelNames: ['tenant', 'reason'] as const,
    registers: [registry],
  });
}

/** Counts one suppressed firing. Call once per status change, not on re-checks of an alert already counted. */
export function countSuppressed(counter: SuppressedCounter, tenant: string, verdict: MuteVerdict): void {
  counter.inc({ tenant, reason: verdict.reason });
}
