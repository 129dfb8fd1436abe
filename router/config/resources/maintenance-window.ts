import { type Static, Type } from '@sinclair/typebox';
import { Days, type KindDefinition, LocalDateTime, Match, Matchers, Name, TimeOfDay, TimeZone } from './common.ts';

export const MaintenanceWindowSpec = Type.Object(
  {
    tenant: Name('Tenant (same namespace) whose alerts are suppressed.'),
    match: Type.Optional(Match('Only alerts with these labels are suppressed (empty: the whole tenant).')),
    matchers: Type.Optional(Matchers('Only alerts meeting these conditions are suppressed (empty: the whole tenant).')),
    start: Type.Optional(
      LocalDateTime("Start of a one-off window (local to `timezone`, else the tenant's, unless an offset is given)."),
    ),
    end: Type.Optional(LocalDateTime('End of a one-off window.')),
    timezone: Type.Optional(TimeZone("IANA time zone for `start`/`end` (default: the tenant's).")),
    recurrence: Type.Optional(
      Type.Object(
        {
          days: Days('Days on which the window opens.'),
          from: TimeOfDay('Local start time, `HH:MM`.'),
          to: TimeOfDay('Local end time; earlier than `from` crosses midnight.'),
          timezone: TimeZone('IANA time zone of the recurrence.'),
        },
        { additionalProperties: false, description: 'A weekly recurring window (instead of `start`/`end`).' },
      ),
    ),
    comment: Type.Optional(Type.String({ description: 'Why, by whom; shown on suppressed alerts.' })),
  },
  { additionalProperties: false, description: 'Planned suppression of paging.' },
);
export type MaintenanceWindowSpec = Static<typeof MaintenanceWindowSpec>;

export const maintenanceWindowKind: KindDefinition = {
  kind: 'MaintenanceWindow',
  plural: 'maintenancewindows',
  singular: 'maintenancewindow',
  shortNames: ['mw'],
  description: 'A planned maintenance window: matching alerts are recorded but page nobody while it is active.',
  spec: MaintenanceWindowSpec,
  printerColumns: [
    { name: 'Tenant', type: 'string', jsonPath: '.spec.tenant', description: 'Tenant' },
    { name: 'Start', type: 'string', jsonPath: '.spec.start', description: 'One-off start' },
    { name: 'End', type: 'string', jsonPath: '.spec.end', description: 'One-off end' },
  ],
  celRules: [
    {
      rule: 'has(self.recurrence) != (has(self.start) && has(self.end))',
      message: 'set either spec.start and spec.end (one-off) or spec.recurrence (recurring), not both',
      fieldPath: '.recurrence',
      reason: 'FieldValueInvalid',
    },
  ],
};
