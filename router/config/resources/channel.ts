import { type Static, Type } from '@sinclair/typebox';
import { type KindDefinition, Name, SecretKeyRef, StringEnum } from './common.ts';

export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'email', 'servicenow', 'autotask', 'halopsa'] as const;

const SecretRef = (description: string, keys: string[]) =>
  Type.Object(
    { name: Name(`Name of a Secret in the same namespace with the keys ${keys.map((k) => `\`${k}\``).join(', ')}.`) },
    { additionalProperties: false, description },
  );
const Url = (description: string) => Type.String({ description, format: 'uri', pattern: '^https?://' });

export const ChannelSpec = Type.Object(
  {
    type: StringEnum(CHANNEL_TYPES, 'Kind of target; its settings go under the key of the same name.'),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Url('URL that receives a JSON POST per notification.'),
          secretRef: Type.Optional(
            SecretKeyRef('Secret key whose value signs each request (HMAC-SHA256 in `X-Switchboard-Signature`).'),
          ),
        },
        { additionalProperties: false, description: 'Generic JSON webhook settings.' },
      ),
    ),
    slack: Type.Optional(
      Type.Object(
        { webhookUrlSecretRef: SecretKeyRef('Secret key holding the Slack incoming-webhook URL.') },
        { additionalProperties: false, description: 'Slack incoming webhook settings.' },
      ),
    ),
    teams: Type.Optional(
      Type.Object(
        { webhookUrlSecretRef: SecretKeyRef('Secret key holding the Teams workflow webhook URL.') },
        { additionalProperties: false, description: 'Microsoft Teams workflow webhook settings.' },
      ),
    ),
    email: Type.Optional(
      Type.Object(
        {
          to: Type.Array(Type.String({ format: 'email', description: 'An e-mail address.' }), {
            description: 'Recipients.',
            minItems: 1,
          }),
        },
        { additionalProperties: false, description: 'E-mail settings (the SMTP server is configured on the router).' },
      ),
    ),
    servicenow: Type.Optional(
      Type.Object(
        {
          instanceUrl: Url('Instance URL, e.g. `https://acme.service-now.com`.'),
          table: Type.Optional(Type.String({ description: 'Table for tickets (default `incident`).' })),
          credentialsSecretRef: SecretRef('Basic-auth credentials.', ['username', 'password']),
        },
        { additionalProperties: false, description: 'ServiceNow table API settings: one ticket per incident.' },
      ),
    ),
    autotask: Type.Optional(
      Type.Object(
        {
          baseUrl: Url('Zone REST base URL, e.g. `https://webservices5.autotask.net/ATServicesRest`.'),
          companyId: Type.Integer({ description: 'Autotask company id of this customer.' }),
          queueId: Type.Optional(Type.Integer({ description: 'Queue for new tickets.' })),
          credentialsSecretRef: SecretRef('API user credentials.', ['username', 'secret', 'integrationCode']),
        },
        { additionalProperties: false, description: 'Autotask PSA REST settings: one ticket per incident.' },
      ),
    ),
    halopsa: Type.Optional(
      Type.Object(
        {
          baseUrl: Url('HaloPSA URL, e.g. `https://acme.halopsa.com`.'),
          clientId: Type.Optional(Type.Integer({ description: 'HaloPSA client (customer) id for new tickets.' })),
          ticketTypeId: Type.Optional(Type.Integer({ description: 'Ticket type for new tickets.' })),
          credentialsSecretRef: SecretRef('OAuth client-credentials application.', ['clientId', 'clientSecret']),
        },
        { additionalProperties: false, description: 'HaloPSA REST settings: one ticket per incident.' },
      ),
    ),
    template: Type.Optional(
      Type.String({ description: 'Handlebars template replacing the default message body for this channel.' }),
    ),
  },
  { additionalProperties: false, description: 'A non-person notification target.' },
);
export type ChannelSpec = Static<typeof ChannelSpec>;

export const channelKind: KindDefinition = {
  kind: 'Channel',
  plural: 'channels',
  singular: 'channel',
  shortNames: ['ch'],
  description: 'A notification target that is not a person: team chat, webhook, e-mail list or ticket system.',
  spec: ChannelSpec,
  printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'Channel type' }],
  celRules: CHANNEL_TYPES.map((t) => ({
    rule: `self.type != '${t}' || has(self.${t})`,
    message: `spec.${t} is required when spec.type is ${t}`,
    fieldPath: `.${t}`,
    reason: 'FieldValueRequired' as const,
  })),
};
