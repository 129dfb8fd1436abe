import { createHash } from 'node:crypto';
import type { TenantConfig } from '../compiled.ts';
import type { TenantSpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';
import { labelNames, matcherList, matcherStrings, positiveDuration, timeZone, uniqueNames } from './values.ts';

export const DEFAULT_GROUP_BY = ['alertname'];
export const DEFAULT_FLAPPING = { changes: 6, window: '30m', stableFor: '30m' };

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function compileTenant(ctx: CompileContext, r: Checked<TenantSpec>): TenantConfig {
  const s = r.spec;
  const token = s.ingestTokenSecretRef ? ctx.secret(r, 'spec.ingestTokenSecretRef', s.ingestTokenSecretRef) : null;
  const responder = s.responderTokenSecretRef
    ? ctx.secret(r, 'spec.responderTokenSecretRef', s.responderTokenSecretRef)
    : null;
  const viewer = s.statusPage?.viewerTokenSecretRef
    ? ctx.secret(r, 'spec.statusPage.viewerTokenSecretRef', s.statusPage.viewerTokenSecretRef)
    : null;
  labelNames(ctx, r, 'spec.groupBy', s.groupBy);
  uniqueNames(ctx, r, 'spec.heartbeats', s.heartbeats ?? []);
  uniqueNames(ctx, r, 'spec.statusPage.components', s.statusPage?.components ?? []);
  const flapping = { ...DEFAULT_FLAPPING, ...s.flapping };
  return {
    name: r.name,
    namespace: r.namespace,
    displayName: s.displayName,
    timezone: timeZone(ctx, r, 'spec.timezone', s.timezone),
    serviceLevel: ctx.ref(r, 'spec.serviceLevel', 'ServiceLevel', s.serviceLevel),
    escalationPolicy: ctx.ref(r, 'spec.escalationPolicy', 'EscalationPolicy', s.escalationPolicy),
    ingestTokenSha256: token === null ? null : sha256(token),
    responderTokenSha256: responder === null ? null : sha256(responder),
    match: matcherList(ctx, r, 'spec.', s.match, undefined),
    routes: (s.routes ?? []).map((route, i) => {
      const field = `spec.routes[${i}]`;
      const matchers = matcherList(ctx, r, `${field}.`, route.match, route.matchers);
      if (matchers.length === 0 && !route.match && !route.matchers) {
        ctx.error(
          r,
          field,
          'a route needs match or matchers (a route matching everything would hide all routes after it)',
        );
      }
      return {
        matchers,
        escalationPolicy: route.escalationPolicy
          ? ctx.ref(r, `${field}.escalationPolicy`, 'EscalationPolicy', route.escalationPolicy)
          : null,
        severity: route.severity ?? null,
      };
    }),
    groupBy: s.groupBy && s.groupBy.length > 0 ? s.groupBy : DEFAULT_GROUP_BY,
    inhibitRules: (s.inhibitRules ?? []).map((rule, i) => {
      const field = `spec.inhibitRules[${i}]`;
      labelNames(ctx, r, `${field}.equal`, rule.equal);
      if (rule.sourceMatchers.length === 0) ctx.error(r, `${field}.sourceMatchers`, 'needs at least one matcher');
      if (rule.targetMatchers.length === 0) ctx.error(r, `${field}.targetMatchers`, 'needs at least one matcher');
      return {
        source: matcherStrings(ctx, r, `${field}.sourceMatchers`, rule.sourceMatchers),
        target: matcherStrings(ctx, r, `${field}.targetMatchers`, rule.targetMatchers),
        equal: rule.equal ?? [],
      };
    }),
    limits: {
      alertsPerMinute: s.limits?.alertsPerMinute ?? null,
      newIncidentsPerMinute: s.limits?.newIncidentsPerMinute ?? null,
    },
    flapping: {
      changes: flapping.changes,
      windowMs: positiveDuration(ctx, r, 'spec.flapping.window', flapping.window),
      stableForMs: positiveDuration(ctx, r, 'spec.flapping.stableFor', flapping.stableFor),
    },
    heartbeats: (s.heartbeats ?? []).map((h, i) => ({
      name: h.name,
      intervalMs: positiveDuration(ctx, r, `spec.heartbeats[${i}].interval`, h.interval),
      severity: h.severity ?? 'critical',
      summary: h.summary ?? `Heartbeat ${h.name} missed (no ping for ${h.interval})`,
    })),
    statusPage: {
      enabled: s.statusPage?.enabled ?? false,
      components: (s.statusPage?.components ?? []).map((c, i) => ({
        name: c.name,
        displayName: c.displayName ?? c.name,
        matchers: matcherList(ctx, r, `spec.statusPage.components[${i}].`, c.match, c.matchers),
      })),
      viewerTokenSha256: viewer === null ? null : sha256(viewer),
    },
  };
}
