import { type Static, Type } from '@sinclair/typebox';
import { Duration, type KindDefinition, Match, Matchers, Name, SecretKeyRef, Severity, TimeZone } from './common.ts';

const Route = Type.Object(
  {
    match: Type.Optional(Match('Labels an alert must carry for this route to apply.')),
    matchers: Type.Optional(Matchers('Conditions an alert must meet for this route to apply.')),
    escalationPolicy: Type.Optional(
      Name('EscalationPolicy (same namespace) used for incidents of matching alerts instead of the tenant default.'),
    ),
    severity: Type.Optional(Severity("Severity given to matching alerts, replacing the source's own.")),
  },
  { additionalProperties: false, description: 'One route; the first route whose conditions match an alert wins.' },
);

const InhibitRule = Type.Object(
  {
    sourceMatchers: Matchers('While an alert matching these fires, it mutes the target alerts.'),
    targetMatchers: Matchers('Alerts that are muted while a source alert fires.'),
    equal: Type.Optional(
      Type.Array(Type.String({ description: 'A label name.' }), {
        description: 'Labels that must have equal values in source and target for the rule to apply.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Mutes target alerts while a matching source alert fires.' },
);

const Component = Type.Object(
  {
    name: Name('Identifier of the component, used in reports and the status page JSON.'),
    displayName: Type.Optional(Type.String({ description: 'Name shown to the customer on the status page.' })),
    match: Type.Optional(Match('Alerts with these labels affect this component.')),
    matchers: Type.Optional(Matchers('Alerts meeting these conditions affect this component.')),
  },
  { additionalProperties: false, description: 'A customer-facing service shown on the status page.' },
);

const Heartbeat = Type.Object(
  {
    name: Name('Name used in the ping URL `POST /api/v1/heartbeats/{name}`.'),
    interval: Duration('Longest expected time between two pings; a longer silence opens an incident.'),
    severity: Type.Optional(Severity('Severity of the incident a missed heartbeat opens (default critical).')),
    summary: Type.Optional(Type.String({ description: 'Summary of that incident.' })),
  },
  { additionalProperties: false, description: "A dead man's switch: the monitored system pings it regularly." },
);

export const TenantSpec = Type.Object(
  {
    displayName: Type.String({
      description: 'Customer name shown in notifications, reports and the status page.',
      minLength: 1,
    }),
    serviceLevel: Name("ServiceLevel (same namespace) holding this customer's response and resolution targets."),
    escalationPolicy: Name("Default EscalationPolicy (same namespace) for this customer's incidents."),
    timezone: TimeZone("The customer's IANA time zone, e.g. `Europe/Berlin`; used for reports and status pages."),
    ingestTokenSecretRef: Type.Optional(
      SecretKeyRef(
        "Secret key holding the bearer token with which this customer's sources send alerts and heartbeat pings (nothing else).",
      ),
    ),
    responderTokenSecretRef: Type.Optional(
      SecretKeyRef(
        "Secret key holding the customer's responder token: reads this customer's incidents (without internal notes or staff names), acknowledges, resolves and annotates them, manages its silences, and reads its status page and SLA reports.",
      ),
    ),
    match: Type.Optional(
      Match('Claims alerts from shared sources (sent with the admin or a shared token) that carry these labels.'),
    ),
    routes: Type.Optional(Type.Array(Route, { description: 'Ordered routes; the first match wins.' })),
    groupBy: Type.Optional(
      Type.Array(Type.String({ description: 'A label name.' }), {
        description:
          'Labels whose values group alerts into one incident (default `[alertname]`; `[...]` groups by all labels).',
      }),
    ),
    inhibitRules: Type.Optional(
      Type.Array(InhibitRule, { description: 'Inhibition rules, applied within this tenant.' }),
    ),
    limits: Type.Optional(
      Type.Object(
        {
          alertsPerMinute: Type.Optional(
            Type.Integer({
              minimum: 1,
              description:
                'Alerts per minute before the tenant goes into storm mode (one storm incident pages); alerts over it are still accepted, and counted in switchboard_alerts_over_limit_total.',
            }),
          ),
          newIncidentsPerMinute: Type.Optional(
            Type.Integer({
              minimum: 1,
              description: 'New incidents per minute above which the tenant is in storm mode.',
            }),
          ),
        },
        { additionalProperties: false, description: 'Protection against alert floods.' },
      ),
    ),
    flapping: Type.Optional(
      Type.Object(
        {
          changes: Type.Optional(
            Type.Integer({
              minimum: 2,
              description: 'State changes within `window` that mark an alert flapping (default 6).',
            }),
          ),
          window: Type.Optional(Duration('Window in which state changes are counted (default 30m).')),
          stableFor: Type.Optional(
            Duration('Time without a state change after which a flapping alert is stable (default 30m).'),
          ),
        },
        { additionalProperties: false, description: 'When an alert counts as flapping.' },
      ),
    ),
    heartbeats: Type.Optional(Type.Array(Heartbeat, { description: "Dead man's switches for this customer." })),
    statusPage: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ description: 'Serve `/status/{tenant}` for this customer.' }),
          components: Type.Optional(Type.Array(Component, { description: 'Services shown on the status page.' })),
          viewerTokenSecretRef: Type.Optional(
            SecretKeyRef("Secret key holding the customer's read-only viewer token: its status page and SLA reports."),
          ),
        },
        { additionalProperties: false, description: 'The customer-facing status page.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'One MSP customer.' },
);
export type TenantSpec = Static<typeof TenantSpec>;

export const tenantKind: KindDefinition = {
  kind: 'Tenant',
  plural: 'tenants',
  singular: 'tenant',
  shortNames: ['tn'],
  description: 'One customer of the MSP: its service level, escalation, routing of its alerts and its status page.',
  spec: TenantSpec,
  printerColumns: [
    { name: 'Display Name', type: 'string', jsonPath: '.spec.displayName', description: 'Customer name' },
    { name: 'SLA', type: 'string', jsonPath: '.spec.serviceLevel', description: 'ServiceLevel' },
    { name: 'Policy', type: 'string', jsonPath: '.spec.escalationPolicy', description: 'Default EscalationPolicy' },
    { name: 'Revision', type: 'string', jsonPath: '.status.configRevision', description: 'Config revision in force' },
  ],
};
