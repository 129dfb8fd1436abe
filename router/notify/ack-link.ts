// Signed acknowledge links: `<base64url(JSON payload)>.<base64url(HMAC-SHA256(key, first part))>`.
// The token is the whole credential (no login from a phone), so it names one incident of one tenant,
// expires, and any change to it breaks the signature. Verified with timingSafeEqual so the time taken
// says nothing about how much of a forged signature was right.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AckPayload {
  incidentId: string;
  tenant: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
  /** The responder the link was sent to (namespace/name), if any: becomes the acknowledger. */
  responder?: string;
}

export type AckVerification =
  | { ok: true; payload: AckPayload }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired'; payload?: AckPayload };

function mac(key: string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function signAckToken(payload: AckPayload, key: string): string {
  const body = Buffer.from(
    JSON.stringify({
      i: payload.incidentId,
      t: payload.tenant,
      e: payload.exp,
      ...(payload.responder ? { r: payload.responder } : {}),
    }),
  ).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

export function verifyAckToken(token: string, key: string, now: number): AckVerification {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[\w-]+$/.test(parts[0] ?? '') || !/^[\w-]+$/.test(parts[1] ?? '')) {
    return { ok: false, reason: 'malformed' };
  }
  const [body, sig] = parts as [string, string];
  // Compare the canonical spelling, not decoded bytes: Buffer.from(…, 'base64url') ignores the unused low
  // bits of the last character, so four different signature strings would otherwise all verify.
  const given = Buffer.from(sig);
  const expected = Buffer.from(mac(key, body).toString('base64url'));
  // timingSafeEqual needs equal lengths; a length mismatch is a forgery either way.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad-signature' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // Signed is not the same as well-formed: null, numbers and arrays are a 4xx, not a TypeError.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'malformed' };
  const p = raw as { i?: unknown; t?: unknown; e?: unknown; r?: unknown };
  if (typeof p.i !== 'string' || typeof p.t !== 'string' || typeof p.e !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  const payload: AckPayload = {
    incidentId: p.i,
    tenant: p.t,
    exp: p.e,
    ...(typeof p.r === 'string' ? { responder: p.r } : {}),
  };
  if (now >= payload.exp) return { ok: false, reason: 'expired', payload };
  return { ok: true, payload };
}

/** Builds acknowledge URLs for messages. */
export class AckLinks {
  constructor(
    private readonly publicUrl: string,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {
    if (key.length < 32) throw new Error('the acknowledge-link signing key must be at least 32 characters');
  }

  url(incidentId: string, tenant: string, now: number, responder?: string): string {
    const token = signAckToken(
      { incidentId, tenant, exp: now + this.ttlMs, ...(responder ? { responder } : {}) },
      this.key,
    );
    return `${this.publicUrl.replace(/\/+$/, '')}/ack/${token}`;
  }
}
