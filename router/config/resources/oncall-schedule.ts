import { type Static, Type } from '@sinclair/typebox';
import { Duration, type KindDefinition, LocalDateTime, Name, TimeOfDay, TimeWindow, TimeZone } from './common.ts';

const Layer = Type.Object(
  {
    name: Name('Name of the layer, shown with each shift.'),
    start: LocalDateTime(
      'When the rotation begins (local to the schedule unless an offset is given); the first member is on call from then.',
    ),
    rotation: Type.Object(
      {
        every: Duration(
          'Length of one shift, e.g. `12h`, `1d`, `1w`; day and week lengths follow the local calendar across DST.',
        ),
      },
      { additionalProperties: false, description: 'How often the shift passes to the next member.' },
    ),
    handoff: Type.Optional(TimeOfDay('Local time of day at which shifts change (default: the time of `start`).')),
    members: Type.Array(Name('A Responder (same namespace).'), {
      description: 'Responders in rotation order.',
      minItems: 1,
    }),
    restrictions: Type.Optional(
      Type.Array(TimeWindow('A window in which this layer is active.'), {
        description: 'If set, the layer only covers these local windows (e.g. for follow-the-sun).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'One rotation; later layers win over earlier ones where both have someone.',
  },
);

const Override = Type.Object(
  {
    responder: Name('Responder (same namespace) on call instead.'),
    start: LocalDateTime('Start of the override.'),
    end: LocalDateTime('End of the override.'),
  },
  { additionalProperties: false, description: 'A one-off replacement that wins over all layers.' },
);

export const OnCallScheduleSpec = Type.Object(
  {
    timezone: TimeZone('IANA time zone in which layers, handoffs and restrictions are read.'),
    layers: Type.Array(Layer, { description: 'Rotation layers, lowest priority first.', minItems: 1 }),
    overrides: Type.Optional(Type.Array(Override, { description: 'Overrides, winning over every layer.' })),
  },
  { additionalProperties: false, description: 'Who is on call when.' },
);
export type OnCallScheduleSpec = Static<typeof OnCallScheduleSpec>;

export const onCallScheduleKind: KindDefinition = {
  kind: 'OnCallSchedule',
  plural: 'oncallschedules',
  singular: 'oncallschedule',
  shortNames: ['ocs'],
  description: 'An on-call schedule: rotation layers with restrictions, and overrides.',
  spec: OnCallScheduleSpec,
  printerColumns: [
    { name: 'Time Zone', type: 'string', jsonPath: '.spec.timezone', description: 'Schedule time zone' },
  ],
};
