// Generic JSON webhook: one POST per notification, signed so the receiver can trust it before acting.
//
// Signature: X-Switchboard-Signature: sha256=<hex HMAC-SHA256(key, "<timestamp>.<body>")>, with the
// timestamp (unix seconds) in X-Switchboard-Timestamp: the receiver recomputes it over the raw body, and
// rejects old timestamps to stop replays. X-Switchboard-Delivery carries the notification's identity, the
// same on a re-send, so a receiver can drop the rare duplicate (see docs/notifications.md).
import { createHmac } from 'node:crypto';
import { send } from './http.ts';
import { render, title } from './templates.ts';
import type { Adapter, DestinationOf, Message } from './types.ts';

export function webhookSignature(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON body (documented in docs/notifications.md). */
export function webhookPayload(m: Message) {
  return {
    version: 1,
    event: m.event,
    deliveryId: m.deliveryId,
    title: title(m.context),
    text: render('webhook', m.context, m.template),
    incident: m.context.incident,
    tenant: m.context.tenant,
    ackUrl: m.context.ackUrl,
    escalation: m.context.escalation,
    recipient: m.context.recipient,
  };
}

export function webhookAdapter(opts: { timeoutMs: number; clock?: () => number }): Adapter<DestinationOf<'webhook'>> {
  const clock = opts.clock ?? Date.now;
  return {
    async send(m) {
      const body = JSON.stringify(webhookPayload(m));
      const timestamp = String(Math.floor(clock() / 1000));
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': 'Switchboard',
        'X-Switchboard-Timestamp': timestamp,
        'X-Switchboard-Delivery': m.deliveryId,
      };
      if (m.destination.signingKey)
        headers['X-Switchboard-Signature'] = webhookSignature(m.destination.signingKey, timestamp, body);
      return send('webhook', m.destination.url, { headers, body, timeoutMs: opts.timeoutMs });
    },
  };
}
