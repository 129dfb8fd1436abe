// Slack: a channel's incoming webhook (Channel type slack), or a direct message from the router's Slack
// app for a responder's `via: slack` (chat.postMessage to their member id). Both send the same Block Kit
// message: the body (mrkdwn), a context line with tenant, severity and SLA deadline, and an Acknowledge
// link button. A link button opens the signed ack page; it needs no interactivity endpoint in the app.
import { failure, isAnswer, parseJson, request } from './http.ts';
import { contextFor, render, title } from './templates.ts';
import type { Adapter, DestinationOf, Message, SendResult } from './types.ts';

/** Slack limits a section's text to 3000 characters. */
const MAX_SECTION = 3000;

export function slackMessage(m: Message) {
  const body = render('slack', m.context, m.template);
  const c = contextFor('slack', m.context);
  const facts = [
    `*Tenant:* ${c.tenant.displayName}`,
    `*Severity:* ${c.incident.severity}`,
    `*Respond by:* ${c.incident.respondBy || 'no SLA target'}`,
    `*Incident:* ${c.incident.id}`,
  ];
  return {
    // The top-level text is what notifications and screen readers show.
    text: title(m.context),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: body.slice(0, MAX_SECTION) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join('  ·  ') }] },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: 'switchboard-acknowledge',
            style: 'danger',
            text: { type: 'plain_text', text: 'Acknowledge' },
            url: m.context.ackUrl,
          },
        ],
      },
    ],
  };
}

export function slackWebhookAdapter(opts: { timeoutMs: number }): Adapter<DestinationOf<'slack'>> {
  return {
    async send(m) {
      const a = await request(m.destination.webhookUrl, {
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Switchboard-Delivery': m.deliveryId },
        body: JSON.stringify(slackMessage(m)),
        timeoutMs: opts.timeoutMs,
      });
      if (!isAnswer(a)) return a;
      // Incoming webhooks answer 200 "ok"; errors are 4xx with a word (invalid_payload, channel_not_found ...).
      if (a.status >= 200 && a.status < 300) return { ok: true };
      return failure('Slack', a);
    },
  };
}

/** Slack Web API errors worth retrying; every other `error` is a configuration problem. */
const RECOVERABLE_API_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable']);

export function slackDmAdapter(opts: {
  timeoutMs: number;
  botToken: string | null;
  apiUrl: string;
}): Adapter<DestinationOf<'slack-dm'>> {
  return {
    async send(m): Promise<SendResult> {
      if (!opts.botToken) {
        return { ok: false, recoverable: false, error: 'via slack needs SWITCHBOARD_SLACK_BOT_TOKEN on the router' };
      }
      const a = await request(`${opts.apiUrl}/chat.postMessage`, {
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          Authorization: `Bearer ${opts.botToken}`,
          'X-Switchboard-Delivery': m.deliveryId,
        },
        body: JSON.stringify({ channel: m.destination.userId, ...slackMessage(m) }),
        timeoutMs: opts.timeoutMs,
      });
      if (!isAnswer(a)) return a;
      if (a.status < 200 || a.status >= 300) return failure('Slack', a);
      const parsed = parseJson('Slack', a);
      if (!('value' in parsed)) return parsed;
      const v = parsed.value as { ok?: boolean; error?: string; ts?: string };
      if (v.ok) return { ok: true, ...(v.ts ? { ref: v.ts } : {}) };
      const error = v.error ?? 'unknown_error';
      return { ok: false, recoverable: RECOVERABLE_API_ERRORS.has(error), error: `Slack chat.postMessage: ${error}` };
    },
  };
}
