import { type Static, Type } from '@sinclair/typebox';
import { Duration, type KindDefinition, StringEnum, TimeZone } from './common.ts';

export const VIAS = ['email', 'sms', 'voice', 'slack', 'teams', 'webhook'] as const;

export const ResponderSpec = Type.Object(
  {
    displayName: Type.String({ description: 'Full name of the engineer.', minLength: 1 }),
    timezone: Type.Optional(TimeZone("The engineer's IANA time zone (used to tell night pages).")),
    contact: Type.Object(
      {
        email: Type.Optional(Type.String({ description: 'E-mail address.', format: 'email' })),
        phone: Type.Optional(
          Type.String({
            description: 'Phone number in E.164 form, e.g. `+4915112345678`.',
            pattern: '^\\+[1-9][0-9]{6,14}$',
          }),
        ),
        slackUserId: Type.Optional(Type.String({ description: 'Slack member id, e.g. `U024BE7LH`.' })),
        teamsUserId: Type.Optional(Type.String({ description: 'Microsoft Teams user id or UPN.' })),
        webhookUrl: Type.Optional(
          Type.String({ description: 'URL for personal webhook notifications.', format: 'uri' }),
        ),
      },
      { additionalProperties: false, description: 'How to reach the engineer.' },
    ),
    rules: Type.Array(
      Type.Object(
        {
          after: Duration('Offset from the moment the engineer is paged.'),
          via: StringEnum(VIAS, 'Medium: email, sms, voice, slack, teams or webhook (needs the matching contact).'),
        },
        { additionalProperties: false, description: 'One personal notification rule.' },
      ),
      {
        description: 'Personal notification rules, repeated until acknowledged (e.g. email at 0m, sms at 5m).',
        minItems: 1,
      },
    ),
  },
  { additionalProperties: false, description: 'An on-call engineer.' },
);
export type ResponderSpec = Static<typeof ResponderSpec>;

export const responderKind: KindDefinition = {
  kind: 'Responder',
  plural: 'responders',
  singular: 'responder',
  shortNames: ['rsp'],
  description: 'An engineer who can be paged, with contact details and personal notification rules.',
  spec: ResponderSpec,
  printerColumns: [
    { name: 'Display Name', type: 'string', jsonPath: '.spec.displayName', description: 'Name' },
    { name: 'Email', type: 'string', jsonPath: '.spec.contact.email', description: 'E-mail', priority: 1 },
  ],
};
