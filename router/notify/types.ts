// What every channel adapter shares: the message it is given, where it goes, and what it answers.
import type { Severity } from '../alert.ts';

/**
 * The variables of a message template (documented in docs/notifications.md). Every message carries the
 * tenant, severity, summary, SLA respond deadline and the one-click acknowledge link.
 */
export interface MessageContext {
  incident: {
    id: string;
    summary: string;
    severity: Severity;
    status: 'triggered' | 'acknowledged' | 'resolved';
    /** ISO time the incident opened. */
    openedAt: string;
    /** SLA respond deadline for people, e.g. `2026-03-04 11:15 CET` in the tenant's zone; '' when none. */
    respondBy: string;
    /** The same as an ISO time; '' when none. */
    respondByIso: string;
  };
  tenant: { name: string; displayName: string };
  /** Signed, expiring one-click acknowledge link. */
  ackUrl: string;
  /** Which step of which round sent it (1-based for people: "step 2 of round 1"). */
  escalation: { round: number; step: number };
  /** The person it goes to ('' for a channel). */
  recipient: { displayName: string };
  /** For ticket updates: who acknowledged or resolved, '' otherwise. */
  by: string;
  /** For a customer-update reminder: when the next customer-visible note is due (local time), '' otherwise. */
  updateDue: string;
}

/**
 * What happened: a page (escalation step), a state change that updates an earlier ticket, or a reminder that a
 * customer update is due (router/sla/watch.ts).
 */
export type MessageEvent = 'page' | 'acknowledged' | 'resolved' | 'update_due';

export type Destination =
  | { type: 'webhook'; url: string; signingKey: string | null }
  | { type: 'slack'; webhookUrl: string }
  /** A responder's `via: slack`: a direct message by the router's Slack app (chat.postMessage). */
  | { type: 'slack-dm'; userId: string }
  /** `mention` for a responder's `via: teams`: the router's workflow webhook, mentioning them. */
  | { type: 'teams'; webhookUrl: string; mention: { id: string; name: string } | null }
  | { type: 'email'; to: string[] }
  | { type: 'sms'; to: string }
  | { type: 'voice'; to: string }
  | { type: 'servicenow'; instanceUrl: string; table: string; username: string; password: string }
  | {
      type: 'autotask';
      baseUrl: string;
      companyId: number;
      queueId: number | null;
      username: string;
      secret: string;
      integrationCode: string;
    }
  | {
      type: 'halopsa';
      baseUrl: string;
      clientId: number | null;
      ticketTypeId: number | null;
      oauthClientId: string;
      oauthClientSecret: string;
    };

export type DestinationType = Destination['type'];
export type DestinationOf<T extends DestinationType> = Extract<Destination, { type: T }>;

export interface Message<D extends Destination = Destination> {
  destination: D;
  event: MessageEvent;
  context: MessageContext;
  /** The channel's handlebars template replacing the default body, if any. */
  template: string | null;
  /** Notification-log key: sent as a delivery id where the medium has a place for it (webhooks). */
  deliveryId: string;
  /** Ticket systems: the ticket this incident already has in this channel (updates go there). */
  ticketRef: string | null;
}

export type SendResult =
  | {
      ok: true;
      /** Provider id: ticket id or sys_id, Twilio sid, ... */
      ref?: string;
    }
  | {
      ok: false;
      /** Timeouts, connection errors, 429 and 5xx: worth trying again. Other 4xx: not. */
      recoverable: boolean;
      error: string;
      /** From a Retry-After header. */
      retryAfterMs?: number;
    };

export interface Adapter<D extends Destination = Destination> {
  send(message: Message<D>): Promise<SendResult>;
}

export const TICKET_TYPES = ['servicenow', 'autotask', 'halopsa'] as const;
export function isTicketDestination(
  d: Destination,
): d is DestinationOf<'servicenow'> | DestinationOf<'autotask'> | DestinationOf<'halopsa'> {
  return (TICKET_TYPES as readonly string[]).includes(d.type);
}
