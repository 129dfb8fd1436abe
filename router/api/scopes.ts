// Token scopes (docs/api.md#token-scopes): which principal may do what, for which tenant. Pure.
//   ingest    — send alerts and heartbeat pings; nothing else.
//   viewer    — read its tenant's status page and SLA reports.
//   responder — read its tenant's incidents, acknowledge/resolve/note them, manage its silences; also reads
//               what a viewer reads (a responder sees more than the customer's status page audience).
//   admin     — MSP staff: everything, every tenant. The shared ingest token is an ingest token for all tenants.
import type { Principal } from './auth.ts';

export type Action =
  | 'alerts.send'
  | 'heartbeats.ping'
  | 'status.read'
  | 'reports.read'
  | 'incidents.read'
  | 'incidents.act'
  | 'silences.manage';

export type TokenKind = 'ingest' | 'viewer' | 'responder';

/** The least token kind an action needs (the admin token may do everything). */
export const NEEDED: Record<Action, TokenKind> = {
  'alerts.send': 'ingest',
  'heartbeats.ping': 'ingest',
  'status.read': 'viewer',
  'reports.read': 'viewer',
  'incidents.read': 'responder',
  'incidents.act': 'responder',
  'silences.manage': 'responder',
};

export const ACTIONS = Object.keys(NEEDED) as Action[];

/** The kind of token a principal is. */
export function tokenKind(p: Principal): TokenKind | 'admin' {
  if (p.kind === 'admin') return 'admin';
  if (p.kind === 'tenant' || p.kind === 'shared') return 'ingest';
  return p.kind;
}

function kindAllows(kind: TokenKind | 'admin', action: Action): boolean {
  if (kind === 'admin') return true;
  const needed = NEEDED[action];
  if (kind === 'responder') return needed === 'responder' || needed === 'viewer';
  return kind === needed;
}

export type Decision = { allowed: true } | { allowed: false; error: string };

/**
 * May `p` do `action`? With `tenant`, also: on that tenant's data. A denial's error names the token kind the
 * action needs (403); callers that hide other tenants' ids answer 404 instead for a tenant mismatch.
 */
export function decide(p: Principal, action: Action, tenant?: string): Decision {
  const kind = tokenKind(p);
  if (!kindAllows(kind, action)) {
    const needed = NEEDED[action];
    const also = needed === 'viewer' ? ' (or a responder token)' : '';
    return {
      allowed: false,
      error: `${action} needs ${article(needed)} ${needed} token${also} or the admin token; this is ${article(kind)} ${kind} token`,
    };
  }
  if (tenant !== undefined && 'tenant' in p && p.tenant !== tenant) {
    return { allowed: false, error: `this token is for tenant ${p.tenant} only` };
  }
  return { allowed: true };
}

/** True when `p` is a tenant's own token (not admin, not shared): its reads are filtered (tenant-view.ts). */
export function isTenantToken(p: Principal): p is Extract<Principal, { tenant: string }> {
  return 'tenant' in p;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
