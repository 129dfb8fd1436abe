// Who is calling: the admin, a tenant's ingest, responder or viewer token, or a shared source.
// What each may do is decided in router/api/scopes.ts.
// Tokens are compared as SHA-256 digests with timingSafeEqual against every candidate, so the time
// taken does not depend on which token (or how much of one) matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouterConfig } from '../config/compiled.ts';

export type Principal =
  | { kind: 'admin' }
  /** A tenant's ingest token: sends alerts and heartbeat pings of that tenant, nothing else. */
  | { kind: 'tenant'; tenant: string }
  /** A tenant's responder token: reads and acts on that tenant's incidents, manages its silences. */
  | { kind: 'responder'; tenant: string }
  /** A tenant's viewer token: reads that tenant's status page and SLA reports. */
  | { kind: 'viewer'; tenant: string }
  /** The shared ingest token: ingests; the tenant comes from each alert's labels (Tenant spec.match). */
  | { kind: 'shared' };

export interface Credentials {
  adminTokenSha256: Buffer | null;
  sharedTokenSha256: Buffer | null;
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  const digest = (v: string | undefined) => (v ? sha256(v) : null);
  return {
    adminTokenSha256: digest(env['SWITCHBOARD_ADMIN_TOKEN']),
    sharedTokenSha256: digest(env['SWITCHBOARD_SHARED_INGEST_TOKEN']),
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Token digests of the config, rebuilt when the config changes. */
export class TokenIndex {
  private entries: { digest: Buffer; principal: Principal }[] = [];

  constructor(private readonly creds: Credentials) {}

  rebuild(config: RouterConfig): void {
    const entries: TokenIndex['entries'] = [];
    if (this.creds.adminTokenSha256)
      entries.push({ digest: this.creds.adminTokenSha256, principal: { kind: 'admin' } });
    if (this.creds.sharedTokenSha256)
      entries.push({ digest: this.creds.sharedTokenSha256, principal: { kind: 'shared' } });
    for (const t of Object.values(config.tenants)) {
      if (t.ingestTokenSha256)
        entries.push({
          digest: Buffer.from(t.ingestTokenSha256, 'hex'),
          principal: { kind: 'tenant', tenant: t.name },
        });
      if (t.responderTokenSha256)
        entries.push({
          digest: Buffer.from(t.responderTokenSha256, 'hex'),
          principal: { kind: 'responder', tenant: t.name },
        });
      if (t.statusPage.viewerTokenSha256) {
        entries.push({
          digest: Buffer.from(t.statusPage.viewerTokenSha256, 'hex'),
          principal: { kind: 'viewer', tenant: t.name },
        });
      }
    }
    this.entries = entries;
  }

  /**
   * The principal of a token, or null. Visits every entry whatever matches. A token that matches two
   * entries is refused: the config refuses equal tenant tokens, but the admin and shared tokens come from
   * the environment, and a tenant token equal to one of them must not open everything.
   */
  resolve(token: string): Principal | null {
    const d = sha256(token);
    let found: Principal | null = null;
    let matches = 0;
    for (const e of this.entries) {
      if (timingSafeEqual(e.digest, d)) {
        matches++;
        found ??= e.principal;
      }
    }
    return matches === 1 ? found : null;
  }
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? (m[1] as string) : null;
}

/**
 * The principal as recorded on events an API action writes: `admin`, `tenant:<name>:<kind>` or `shared`.
 * (Acknowledge links record `ack-link:<responder key>`, router/api/ack.ts.)
 */
export function principalName(p: Principal): string {
  if (p.kind === 'admin' || p.kind === 'shared') return p.kind;
  return `tenant:${p.tenant}:${p.kind === 'tenant' ? 'ingest' : p.kind}`;
}
