// Building blocks shared by the seven custom resources. Every field carries its description here,
// where it is declared: the CRDs, `kubectl explain` and docs/crds.md are generated from these schemas.
import { type TSchema, Type } from '@sinclair/typebox';

export const API_GROUP = 'switchboard.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** `30s`, `15m`, `4h`, `3d`, `1w`, or combinations such as `1h30m`. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d|w))+$';
/** `HH:MM`, 24 h; `24:00` is allowed as the end of a day. */
export const TIME_OF_DAY_PATTERN = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';
/** `2026-12-25` */
export const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
/** `2026-12-24T22:00`, optionally with seconds and an offset (`Z`, `+01:00`). */
export const DATE_TIME_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$';
/** Kubernetes object names: DNS-1123 subdomain-ish, which also keeps them safe in NATS subjects and URLs. */
export const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;

export const Duration = (description: string) => Type.String({ description, pattern: DURATION_PATTERN });
export const TimeOfDay = (description: string) => Type.String({ description, pattern: TIME_OF_DAY_PATTERN });
export const LocalDateTime = (description: string) => Type.String({ description, pattern: DATE_TIME_PATTERN });
export const TimeZone = (description: string) => Type.String({ description, minLength: 1 });
export const Name = (description: string) => Type.String({ description, pattern: NAME_PATTERN, maxLength: 63 });
/** A string from a fixed list, as `enum` (the form structural CRD schemas accept; a union of literals is not). */
export const StringEnum = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

/** A map of strings, as `additionalProperties` (the form structural CRD schemas accept). */
export const StringMap = (description: string) =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string', description: 'A label value.' },
    description,
  });

export const Day = StringEnum(DAYS, 'A day of the week: Mon, Tue, Wed, Thu, Fri, Sat or Sun.');
export const Days = (description: string) => Type.Array(Day, { description, minItems: 1, maxItems: 7 });
export const Severity = (description: string) =>
  StringEnum(SEVERITIES, `${description} One of critical, high, warning, info.`);

export const Match = (description: string) =>
  StringMap(`${description} An equality map: every listed label must have exactly this value.`);
export const Matchers = (description: string) =>
  Type.Array(
    Type.String({ description: 'One Alertmanager matcher, e.g. `env!="dev"` or `severity=~"critical|high"`.' }),
    {
      description: `${description} Alertmanager matcher strings (=, !=, =~, !~); all must match.`,
    },
  );

export const SecretKeyRef = (description: string) =>
  Type.Object(
    {
      name: Name('Name of a Secret in the same namespace.'),
      key: Type.String({ description: 'Key inside the Secret whose value is used.', minLength: 1 }),
    },
    { description, additionalProperties: false },
  );

export const TimeWindow = (description: string) =>
  Type.Object(
    {
      days: Days('Days of the week on which the window opens (the day it starts, for windows that cross midnight).'),
      from: TimeOfDay('Local start time, `HH:MM`.'),
      to: TimeOfDay(
        'Local end time, `HH:MM`; earlier than `from` means the window crosses midnight into the next day.',
      ),
    },
    { description, additionalProperties: false },
  );

/** Common object shape of every custom resource; `spec` is the kind's own schema. */
export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: TSchema;
  printerColumns: { name: string; type: string; jsonPath: string; description: string; priority?: number }[];
  /** CEL rules on `spec` (enforced by the API server; the compiler checks the same in local mode). */
  celRules?: {
    rule: string;
    message: string;
    /** The field the API server names in its error (relative to spec), e.g. `.slack`. */
    fieldPath?: string;
    reason?: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueForbidden';
  }[];
}
