import { type Static, Type } from '@sinclair/typebox';
import { Duration, type KindDefinition, Name } from './common.ts';

const Target = Type.Object(
  {
    schedule: Type.Optional(Name('OnCallSchedule (same namespace): whoever is on call when the step fires.')),
    responder: Type.Optional(Name('Responder (same namespace), notified by their personal rules.')),
    channel: Type.Optional(Name('Channel (same namespace): a team chat, webhook, e-mail list or ticket system.')),
  },
  {
    additionalProperties: false,
    description: 'Exactly one of `schedule`, `responder`, `channel`.',
    minProperties: 1,
    maxProperties: 1,
  },
);

const Step = Type.Object(
  {
    after: Duration('Offset from the incident opening (or from the start of a repeat) at which this step fires.'),
    notify: Type.Array(Target, { description: 'Targets notified by this step.', minItems: 1 }),
  },
  { additionalProperties: false, description: 'One escalation step.' },
);

export const EscalationPolicySpec = Type.Object(
  {
    steps: Type.Array(Step, { description: 'Steps in order of `after`.', minItems: 1 }),
    repeat: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: 'Times the whole policy repeats while unacknowledged (default 0).',
      }),
    ),
    escalateBeforeBreach: Type.Optional(
      Duration('Fire the next step this long before the SLA respond deadline if it would otherwise fire later.'),
    ),
  },
  { additionalProperties: false, description: 'Who is paged, in which order.' },
);
export type EscalationPolicySpec = Static<typeof EscalationPolicySpec>;

export const escalationPolicyKind: KindDefinition = {
  kind: 'EscalationPolicy',
  plural: 'escalationpolicies',
  singular: 'escalationpolicy',
  shortNames: ['escp'],
  description: 'An escalation policy: ordered steps of targets, repeated until someone acknowledges.',
  spec: EscalationPolicySpec,
  printerColumns: [
    { name: 'Repeat', type: 'integer', jsonPath: '.spec.repeat', description: 'Repeats while unacknowledged' },
    {
      name: 'Before Breach',
      type: 'string',
      jsonPath: '.spec.escalateBeforeBreach',
      description: 'Escalate before SLA breach',
    },
  ],
};
