// The seven kinds, in the order they are documented and generated.
import { channelKind } from './channel.ts';
import type { KindDefinition } from './common.ts';
import { escalationPolicyKind } from './escalation-policy.ts';
import { maintenanceWindowKind } from './maintenance-window.ts';
import { onCallScheduleKind } from './oncall-schedule.ts';
import { responderKind } from './responder.ts';
import { serviceLevelKind } from './service-level.ts';
import { tenantKind } from './tenant.ts';

export * from './channel.ts';
export * from './common.ts';
export * from './escalation-policy.ts';
export * from './maintenance-window.ts';
export * from './oncall-schedule.ts';
export * from './responder.ts';
export * from './service-level.ts';
export * from './tenant.ts';

export const KINDS: readonly KindDefinition[] = [
  tenantKind,
  serviceLevelKind,
  onCallScheduleKind,
  escalationPolicyKind,
  responderKind,
  channelKind,
  maintenanceWindowKind,
];

export const KIND_NAMES = KINDS.map((k) => k.kind);
export type KindName =
  | 'Tenant'
  | 'ServiceLevel'
  | 'OnCallSchedule'
  | 'EscalationPolicy'
  | 'Responder'
  | 'Channel'
  | 'MaintenanceWindow';
