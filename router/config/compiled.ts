// The router's runtime configuration, produced by `compile()` from the custom resources.
// Plain JSON (it is stored in a NATS KV bucket); durations in milliseconds, times of day in minutes,
// references resolved to keys `namespace/name`, secrets resolved (ingest tokens only as SHA-256 digests).
import type { Severity } from '../alert.ts';
import type { ChannelSpec } from './resources/channel.ts';
import type { VIAS } from './resources/responder.ts';

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** A weekly window: ISO weekdays (1 = Monday) on which it opens, minutes since local midnight. */
export interface WeeklyWindow {
  days: number[];
  from: number;
  to: number;
}

export interface TenantConfig {
  name: string;
  namespace: string;
  displayName: string;
  timezone: string;
  serviceLevel: string;
  escalationPolicy: string;
  /** SHA-256 (hex) of the tenant's ingest token, if it has one. */
  ingestTokenSha256: string | null;
  /** SHA-256 (hex) of the tenant's responder token (incidents and silences of the tenant), if it has one. */
  responderTokenSha256: string | null;
  /** Claims alerts from shared sources; empty = claims none. */
  match: Matcher[];
  routes: { matchers: Matcher[]; escalationPolicy: string | null; severity: Severity | null }[];
  groupBy: string[];
  inhibitRules: { source: Matcher[]; target: Matcher[]; equal: string[] }[];
  limits: { alertsPerMinute: number | null; newIncidentsPerMinute: number | null };
  flapping: { changes: number; windowMs: number; stableForMs: number };
  heartbeats: { name: string; intervalMs: number; severity: Severity; summary: string }[];
  statusPage: {
    enabled: boolean;
    components: { name: string; displayName: string; matchers: Matcher[] }[];
    viewerTokenSha256: string | null;
  };
}

export interface SlaTarget {
  respondMs: number;
  resolveMs: number;
  coverage: '24x7' | 'businessHours';
  firstUpdateMs: number | null;
  updateEveryMs: number | null;
}

export interface ServiceLevelConfig {
  key: string;
  businessHours: { timezone: string; windows: WeeklyWindow[]; holidays: string[] } | null;
  targets: Partial<Record<Severity, SlaTarget>>;
  uptimeTarget: number | null;
}

export interface ScheduleLayerConfig {
  name: string;
  /** Epoch ms of the rotation start. */
  start: number;
  rotation: {
    every: string;
    everyMs: number;
    /** Set when `every` is whole days/weeks: shifts then follow the local calendar across DST. */
    calendarDays: number | null;
  };
  /** Minutes since local midnight of handoffs, or null for the time of `start`. */
  handoff: number | null;
  /** Responder keys in rotation order. */
  members: string[];
  restrictions: WeeklyWindow[];
}

export interface ScheduleConfig {
  key: string;
  name: string;
  namespace: string;
  timezone: string;
  layers: ScheduleLayerConfig[];
  overrides: { responder: string; start: number; end: number }[];
}

export type NotifyTarget =
  | { kind: 'schedule'; ref: string }
  | { kind: 'responder'; ref: string }
  | { kind: 'channel'; ref: string };

export interface PolicyConfig {
  key: string;
  name: string;
  steps: { afterMs: number; notify: NotifyTarget[] }[];
  repeat: number;
  escalateBeforeBreachMs: number | null;
}

export interface ResponderConfig {
  key: string;
  name: string;
  displayName: string;
  timezone: string | null;
  contact: { email?: string; phone?: string; slackUserId?: string; teamsUserId?: string; webhookUrl?: string };
  rules: { afterMs: number; via: (typeof VIAS)[number] }[];
}

export interface ChannelConfig {
  key: string;
  name: string;
  type: ChannelSpec['type'];
  /** The spec's settings for `type`, unchanged. */
  settings: Record<string, unknown>;
  /** Secret values the settings reference, by the key path in the spec (e.g. `slack.webhookUrlSecretRef`). */
  secrets: Record<string, string | Record<string, string>>;
  template: string | null;
}

export interface MaintenanceWindowConfig {
  key: string;
  name: string;
  tenant: string;
  matchers: Matcher[];
  oneOff: { start: number; end: number } | null;
  recurrence: (WeeklyWindow & { timezone: string }) | null;
  comment: string;
}

export interface RouterConfig {
  /** SHA-256 of the canonical inputs: equal inputs give equal hashes. */
  hash: string;
  /** Tenants by name (tenant names are unique across namespaces: they appear in URLs, subjects and metrics). */
  tenants: Record<string, TenantConfig>;
  serviceLevels: Record<string, ServiceLevelConfig>;
  schedules: Record<string, ScheduleConfig>;
  policies: Record<string, PolicyConfig>;
  responders: Record<string, ResponderConfig>;
  channels: Record<string, ChannelConfig>;
  maintenanceWindows: MaintenanceWindowConfig[];
}
