// Where a notification goes, from the config: a Channel's settings and secrets, or a Responder's contact
// for one of their rules. A missing contact or secret is an error that is reported (counted, on the
// timeline), never a silent skip.
import type { ChannelConfig, ResponderConfig } from '../config/compiled.ts';
import type { Via } from '../escalation/plan.ts';
import type { NotifySettings } from './settings.ts';
import type { Destination } from './types.ts';

export type DestinationResult = { destination: Destination } | { error: string };

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}
function creds(c: ChannelConfig): Record<string, string> {
  const v = c.secrets[`${c.type}.credentialsSecretRef`];
  return typeof v === 'object' && v !== null ? v : {};
}

export function channelDestination(c: ChannelConfig): DestinationResult {
  const s = c.settings;
  const missing = (what: string) => ({ error: `channel ${c.key}: ${what} is missing` });
  switch (c.type) {
    case 'webhook': {
      const url = str(s['url']);
      if (!url) return missing('webhook.url');
      const key = c.secrets['webhook.secretRef'];
      return { destination: { type: 'webhook', url, signingKey: typeof key === 'string' ? key : null } };
    }
    case 'slack':
    case 'teams': {
      const url = c.secrets[`${c.type}.webhookUrlSecretRef`];
      if (typeof url !== 'string') return missing(`the webhook URL (${c.type}.webhookUrlSecretRef)`);
      return {
        destination:
          c.type === 'slack' ? { type: 'slack', webhookUrl: url } : { type: 'teams', webhookUrl: url, mention: null },
      };
    }
    case 'email': {
      const to = Array.isArray(s['to']) ? s['to'].filter((x): x is string => typeof x === 'string') : [];
      if (to.length === 0) return missing('email.to');
      return { destination: { type: 'email', to } };
    }
    case 'servicenow': {
      const k = creds(c);
      const instanceUrl = str(s['instanceUrl']);
      if (!instanceUrl || !k['username'] || !k['password']) return missing('instanceUrl or credentials');
      return {
        destination: {
          type: 'servicenow',
          instanceUrl,
          table: str(s['table']) ?? 'incident',
          username: k['username'],
          password: k['password'],
        },
      };
    }
    case 'autotask': {
      const k = creds(c);
      const baseUrl = str(s['baseUrl']);
      const companyId = int(s['companyId']);
      if (!baseUrl || companyId === null || !k['username'] || !k['secret'] || !k['integrationCode'])
        return missing('baseUrl, companyId or credentials');
      return {
        destination: {
          type: 'autotask',
          baseUrl,
          companyId,
          queueId: int(s['queueId']),
          username: k['username'],
          secret: k['secret'],
          integrationCode: k['integrationCode'],
        },
      };
    }
    case 'halopsa': {
      const k = creds(c);
      const baseUrl = str(s['baseUrl']);
      if (!baseUrl || !k['clientId'] || !k['clientSecret']) return missing('baseUrl or credentials');
      return {
        destination: {
          type: 'halopsa',
          baseUrl,
          clientId: int(s['clientId']),
          ticketTypeId: int(s['ticketTypeId']),
          oauthClientId: k['clientId'],
          oauthClientSecret: k['clientSecret'],
        },
      };
    }
  }
}

export function responderDestination(r: ResponderConfig, via: Via, settings: NotifySettings): DestinationResult {
  const c = r.contact;
  const need = (field: string) => ({ error: `responder ${r.key} has a ${via} rule but no contact.${field}` });
  switch (via) {
    case 'email':
      return c.email ? { destination: { type: 'email', to: [c.email] } } : need('email');
    case 'sms':
      return c.phone ? { destination: { type: 'sms', to: c.phone } } : need('phone');
    case 'voice':
      return c.phone ? { destination: { type: 'voice', to: c.phone } } : need('phone');
    case 'slack':
      return c.slackUserId ? { destination: { type: 'slack-dm', userId: c.slackUserId } } : need('slackUserId');
    case 'teams':
      if (!c.teamsUserId) return need('teamsUserId');
      if (!settings.teamsWebhookUrl) return { error: 'via teams needs SWITCHBOARD_TEAMS_WEBHOOK_URL on the router' };
      return {
        destination: {
          type: 'teams',
          webhookUrl: settings.teamsWebhookUrl,
          mention: { id: c.teamsUserId, name: r.displayName },
        },
      };
    case 'webhook':
      // Personal webhooks are signed with the router's signing key, like acknowledge links.
      return c.webhookUrl
        ? { destination: { type: 'webhook', url: c.webhookUrl, signingKey: settings.signingKey } }
        : need('webhookUrl');
  }
}
