// Who is calling: the admin, a tenant (ingest token), a tenant's status-page viewer, or a shared source.
// Tokens are compared as SHA-256 digests with timingSafeEqual against every candidate, so the time
// taken does not depend on which token (or how much of one) matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouterConfig } from '../config/compiled.ts';

export type Principal =
  | { kind: 'admin' }
  /** A tenant's ingest token: ingests into, and reads, that tenant only. */
  | { kind: 'tenant'; tenant: string }
  /** A tenant's status-page viewer token: reads that tenant's status page only. */
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
      if (t.statusPage.viewerTokenSha256) {
        entries.push({
          digest: Buffer.from(t.statusPage.viewerTokenSha256, 'hex'),
          principal: { kind: 'viewer', tenant: t.name },
        });
      }
    }
    this.entries = entries;
  }

  /** The principal of a token, or null. Visits every entry whatever matches. */
  resolve(token: string): Principal | null {
    const d = sha256(token);
    let found: Principal | null = null;
    for (const e of this.entries) {
      if (timingSafeEqual(e.digest, d) && found === null) found = e.principal;
    }
    return found;
  }
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? (m[1] as string) : null;
}

/** May this principal read data of `tenant` (incidents, reports, status)? */
export function canRead(p: Principal, tenant: string): boolean {
  return p.kind === 'admin' || ((p.kind === 'tenant' || p.kind === 'viewer') && p.tenant === tenant);
}
