import { type Static, Type } from '@sinclair/typebox';
import { DATE_PATTERN, Duration, type KindDefinition, StringEnum, TimeWindow, TimeZone } from './common.ts';

const Target = (severity: string) =>
  Type.Object(
    {
      respond: Duration(`Time within which a ${severity} incident must be acknowledged.`),
      resolve: Duration(`Time within which a ${severity} incident must be resolved.`),
      coverage: Type.Optional(
        StringEnum(
          ['24x7', 'businessHours'] as const,
          '`24x7` (default): targets run in wall time and the incident pages at once. `businessHours`: targets count business time only and paging waits for business hours.',
        ),
      ),
      firstUpdate: Type.Optional(
        Duration('The first customer-visible note is due this long after the incident opens.'),
      ),
      updateEvery: Type.Optional(
        Duration('After the first, a customer-visible note is due at this interval until resolved.'),
      ),
    },
    { additionalProperties: false, description: `Targets for ${severity} incidents.` },
  );

export const ServiceLevelSpec = Type.Object(
  {
    businessHours: Type.Optional(
      Type.Object(
        {
          timezone: TimeZone('IANA time zone in which the windows and holidays are read.'),
          windows: Type.Array(TimeWindow('A weekly business-hours window.'), {
            description: 'Weekly windows of business time.',
            minItems: 1,
          }),
          holidays: Type.Optional(
            Type.Array(Type.String({ pattern: DATE_PATTERN, description: 'A date, `YYYY-MM-DD`.' }), {
              description: 'Dates that are not business days.',
            }),
          ),
        },
        { additionalProperties: false, description: 'When business time runs (needed by any `businessHours` target).' },
      ),
    ),
    targets: Type.Object(
      {
        critical: Type.Optional(Target('critical')),
        high: Type.Optional(Target('high')),
        warning: Type.Optional(Target('warning')),
        info: Type.Optional(Target('info')),
      },
      { additionalProperties: false, description: 'Targets per severity; a severity without targets has no SLA.' },
    ),
    uptimeTarget: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'Promised availability per status-page component, in percent.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Response and resolution targets agreed with customers.' },
);
export type ServiceLevelSpec = Static<typeof ServiceLevelSpec>;

export const serviceLevelKind: KindDefinition = {
  kind: 'ServiceLevel',
  plural: 'servicelevels',
  singular: 'servicelevel',
  shortNames: ['sla'],
  description:
    'A service level agreement: response and resolution targets per severity, business hours, uptime target.',
  spec: ServiceLevelSpec,
  printerColumns: [
    { name: 'Uptime', type: 'number', jsonPath: '.spec.uptimeTarget', description: 'Uptime target (percent)' },
    {
      name: 'Critical Respond',
      type: 'string',
      jsonPath: '.spec.targets.critical.respond',
      description: 'Respond target for critical',
    },
  ],
};
