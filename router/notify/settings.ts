// Router-level notification settings: what is not per channel (the SMTP server, the Twilio account, the
// router's own Slack app and Teams webhook for personal rules, the public URL of acknowledge links).
// Read once from the environment; docs/notifications.md lists every variable.
import { LEASE_MS, sendDeadline } from '../escalation/log.ts';

export interface NotifySettings {
  /** Base URL people reach the router at, for acknowledge links (e.g. `https://switchboard.msp.example`). */
  publicUrl: string | null;
  /** HMAC key of acknowledge links; at least 32 characters. */
  signingKey: string | null;
  /** How long an acknowledge link stays valid. */
  ackLinkTtlMs: number;
  /** `smtp://user:pass@host:587` or `smtps://...`; null disables e-mail. */
  smtpUrl: string | null;
  smtpFrom: string;
  twilio: { accountSid: string; authToken: string; from: string; baseUrl: string } | null;
  /** Bot token of the router's Slack app, for `via: slack` direct messages; null disables them. */
  slackBotToken: string | null;
  slackApiUrl: string;
  /** The router's Teams workflow webhook, for `via: teams` (a card mentioning the responder). */
  teamsWebhookUrl: string | null;
  /** Timeout of one provider request. */
  requestTimeoutMs: number;
  /** How long a claim in the notification log is exclusive (default 120 s; see router/escalation/log.ts). */
  leaseMs: number;
}

export const DEFAULT_ACK_LINK_TTL_MS = 7 * 86_400_000;

export function notifySettingsFromEnv(env: NodeJS.ProcessEnv): NotifySettings {
  const v = (name: string) => {
    const x = env[name]?.trim();
    return x ? x : null;
  };
  const sid = v('SWITCHBOARD_TWILIO_ACCOUNT_SID');
  const token = v('SWITCHBOARD_TWILIO_AUTH_TOKEN');
  const from = v('SWITCHBOARD_TWILIO_FROM');
  const ttlHours = Number(v('SWITCHBOARD_ACK_LINK_TTL_HOURS') ?? Number.NaN);
  const timeoutMs = Number(v('SWITCHBOARD_NOTIFY_TIMEOUT_MS') ?? Number.NaN);
  const leaseMs = Number(v('SWITCHBOARD_NOTIFY_LEASE_MS') ?? Number.NaN);
  return {
    publicUrl: v('SWITCHBOARD_PUBLIC_URL')?.replace(/\/+$/, '') ?? null,
    signingKey: v('SWITCHBOARD_SIGNING_KEY'),
    ackLinkTtlMs: ttlHours > 0 ? ttlHours * 3_600_000 : DEFAULT_ACK_LINK_TTL_MS,
    smtpUrl: v('SWITCHBOARD_SMTP_URL'),
    smtpFrom: v('SWITCHBOARD_SMTP_FROM') ?? 'Switchboard <switchboard@localhost>',
    twilio:
      sid && token && from
        ? {
            accountSid: sid,
            authToken: token,
            from,
            baseUrl: (v('SWITCHBOARD_TWILIO_URL') ?? 'https://api.twilio.com').replace(/\/+$/, ''),
          }
        : null,
    slackBotToken: v('SWITCHBOARD_SLACK_BOT_TOKEN'),
    slackApiUrl: (v('SWITCHBOARD_SLACK_API_URL') ?? 'https://slack.com/api').replace(/\/+$/, ''),
    teamsWebhookUrl: v('SWITCHBOARD_TEAMS_WEBHOOK_URL'),
    requestTimeoutMs: timeoutMs > 0 ? timeoutMs : 10_000,
    leaseMs: leaseMs > 0 ? Math.floor(leaseMs) : LEASE_MS,
  };
}

/** Problems that make notifications impossible, for the router to report at start-up. */
export function settingsProblems(s: NotifySettings): string[] {
  const out: string[] = [];
  if (!s.signingKey) out.push('SWITCHBOARD_SIGNING_KEY is not set: messages cannot carry acknowledge links');
  else if (s.signingKey.length < 32) out.push('SWITCHBOARD_SIGNING_KEY must be at least 32 characters');
  if (!s.publicUrl) out.push('SWITCHBOARD_PUBLIC_URL is not set: acknowledge links cannot be built');
  if (sendDeadline(0, s.leaseMs) < s.requestTimeoutMs) {
    out.push(
      `SWITCHBOARD_NOTIFY_LEASE_MS (${s.leaseMs}) is too short for SWITCHBOARD_NOTIFY_TIMEOUT_MS (${s.requestTimeoutMs}): ` +
        'a slow send could outlast its claim and be sent twice',
    );
  }
  return out;
}
