// One adapter per destination type, built once from the router settings: `send` picks the right one.
import { autotaskAdapter } from './autotask.ts';
import { emailAdapter } from './email.ts';
import { halopsaAdapter } from './halopsa.ts';
import { servicenowAdapter } from './servicenow.ts';
import type { NotifySettings } from './settings.ts';
import { slackDmAdapter, slackWebhookAdapter } from './slack.ts';
import { teamsAdapter } from './teams.ts';
import { smsAdapter, voiceAdapter } from './twilio.ts';
import type { Adapter, Destination, DestinationType, Message, SendResult } from './types.ts';
import { webhookAdapter } from './webhook.ts';

export interface Dispatcher {
  send(message: Message): Promise<SendResult>;
  close(): void;
}

export function createDispatcher(settings: NotifySettings): Dispatcher {
  const timeoutMs = settings.requestTimeoutMs;
  const email = emailAdapter({ smtpUrl: settings.smtpUrl, from: settings.smtpFrom, timeoutMs });
  const adapters: { [T in DestinationType]: Adapter<Extract<Destination, { type: T }>> } = {
    webhook: webhookAdapter({ timeoutMs }),
    slack: slackWebhookAdapter({ timeoutMs }),
    'slack-dm': slackDmAdapter({ timeoutMs, botToken: settings.slackBotToken, apiUrl: settings.slackApiUrl }),
    teams: teamsAdapter({ timeoutMs }),
    email,
    sms: smsAdapter({ twilio: settings.twilio, timeoutMs }),
    voice: voiceAdapter({ twilio: settings.twilio, timeoutMs }),
    servicenow: servicenowAdapter({ timeoutMs }),
    autotask: autotaskAdapter({ timeoutMs }),
    halopsa: halopsaAdapter({ timeoutMs }),
  };
  return {
    send(m) {
      const adapter = adapters[m.destination.type] as Adapter;
      return adapter.send(m);
    },
    close: () => email.close(),
  };
}
