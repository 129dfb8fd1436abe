// Notification metrics (SPEC §4), registered on the router's registry by the caller.
import { Counter, type Registry } from 'prom-client';

export interface NotifyMetrics {
  /** type: the destination type (webhook, slack, email, sms, voice, servicenow, ...) or `schedule` for a
   * step with nobody on call; outcome: sent, failed (unrecoverable or out of retries), retried (one
   * recoverable failure that was tried again), nobody_on_call, unknown_target, misconfigured. */
  notifications: Counter<'type' | 'outcome'>;
  /** Pages per responder (namespace/name): one per step that reached them, whatever their rules send. */
  pages: Counter<'responder'>;
}

export function createNotifyMetrics(registry: Registry): NotifyMetrics {
  return {
    notifications: new Counter({
      name: 'switchboard_notifications_total',
      help: 'Notifications by destination type and outcome (sent, failed, retried, nobody_on_call, unknown_target, misconfigured).',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    pages: new Counter({
      name: 'switchboard_pages_total',
      help: 'Pages per responder: one per escalation step that reached them (on-call load).',
      labelNames: ['responder'] as const,
      registers: [registry],
    }),
  };
}
