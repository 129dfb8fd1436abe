// One-click acknowledge links: `GET /ack/{token}` shows a small confirmation page, its button POSTs to
// the same URL, and only the POST acknowledges. GET never changes state, because mail clients, chat
// unfurlers and corporate link scanners fetch links before a person clicks them: acknowledging on GET
// would stop the escalation for an incident nobody has looked at. No login: the signed token is the
// credential (router/notify/ack-link.ts), so the pages are self-contained (no external assets), are not
// cached, and send no Referer that could leak the token.
import { type Request, type Response, Router } from 'express';
import type { Clock } from '../clock.ts';
import type { ConfigHolder } from '../config/holder.ts';
import type { Incident } from '../incidents/model.ts';
import type { IncidentStore } from '../incidents/store.ts';
import { type AckPayload, verifyAckToken } from '../notify/ack-link.ts';
import { escapeHtml } from '../notify/templates.ts';

/** What the ack pages need from the router (an ApiContext fits). */
export interface AckContext {
  store: Pick<IncidentStore, 'incident'>;
  config: Pick<ConfigHolder, 'get'>;
  clock: Clock;
}

export interface AckRouterOptions {
  signingKey: string;
  /** Acknowledges the incident (e.g. `ctx.incidents.manual(tenant, id, {kind: 'acknowledge', by})`). */
  acknowledge: (
    tenant: string,
    incidentId: string,
    by: string,
    /** The principal recorded on the event: `ack-link:responder/<ns>/<name>` (or `ack-link` unaddressed). */
    principal: string,
  ) => Promise<Incident | { error: string }>;
}

function page(res: Response, status: number, heading: string, body: string, tone: 'ok' | 'warn' | 'error' | 'ask') {
  const colour = { ok: '#1a7f37', warn: '#9a6700', error: '#cf222e', ask: '#1f6feb' }[tone];
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex, nofollow',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    })
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(heading)} · Switchboard</title>
<style>
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0;padding:24px 16px;color:#1f2328;background:#f6f8fa}
main{max-width:480px;margin:0 auto;background:#fff;border:1px solid #d1d9e0;border-radius:12px;padding:24px}
h1{font-size:22px;margin:0 0 12px;color:${colour}}
p{font-size:16px;line-height:1.5;margin:8px 0}
.meta{color:#59636e;font-size:14px}
button{width:100%;font-size:18px;font-weight:600;padding:14px;border:0;border-radius:8px;background:#1f6feb;color:#fff;margin-top:16px}
</style></head><body><main><h1>${escapeHtml(heading)}</h1>${body}</main></body></html>`);
}

function describe(i: Incident, tenantName: string): string {
  return `<p><strong>${escapeHtml(i.title)}</strong></p>
<p class="meta">${escapeHtml(tenantName)} · ${escapeHtml(i.severity)} · opened ${escapeHtml(i.openedAt)}</p>`;
}

export function ackRouter(ctx: AckContext, opts: AckRouterOptions): Router {
  if (opts.signingKey.length < 32) throw new Error('the acknowledge-link signing key must be at least 32 characters');
  const r = Router();

  /** The verified link and its incident, or null after answering with the right error page. */
  const resolve = (req: Request, res: Response): { payload: AckPayload; incident: Incident } | null => {
    const v = verifyAckToken(String(req.params['token'] ?? ''), opts.signingKey, ctx.clock());
    if (!v.ok && v.reason === 'expired') {
      page(
        res,
        410,
        'This link has expired',
        '<p>Acknowledge links are valid for a limited time. Use the link in a newer notification, or acknowledge the incident in the Switchboard API or your team chat.</p>',
        'warn',
      );
      return null;
    }
    if (!v.ok) {
      page(
        res,
        400,
        'This link is not valid',
        '<p>The acknowledge link is incomplete or was changed. Open it again from the original message (some mail clients break long links across lines).</p>',
        'error',
      );
      return null;
    }
    const incident = ctx.store.incident(v.payload.incidentId);
    if (!incident || incident.tenant !== v.payload.tenant) {
      page(res, 404, 'Incident not found', '<p>This incident no longer exists in Switchboard.</p>', 'error');
      return null;
    }
    return { payload: v.payload, incident };
  };
  const tenantName = (tenant: string) => ctx.config.get()?.config.tenants[tenant]?.displayName ?? tenant;
  const actor = (p: AckPayload) => {
    const name = p.responder ? (ctx.config.get()?.config.responders[p.responder]?.displayName ?? p.responder) : null;
    return name ? `${name} (acknowledge link)` : 'acknowledge link';
  };
  const settledPage = (res: Response, i: Incident) => {
    if (i.status === 'resolved') {
      page(res, 200, 'Already resolved', `${describe(i, tenantName(i.tenant))}<p>Nothing to do.</p>`, 'ok');
    } else {
      page(
        res,
        200,
        'Already acknowledged',
        `${describe(i, tenantName(i.tenant))}<p>Acknowledged by ${escapeHtml(i.acknowledgedBy ?? 'someone')} at ${escapeHtml(i.acknowledgedAt ?? '')}. Escalation has stopped.</p>`,
        'ok',
      );
    }
  };

  r.get('/ack/:token', (req, res) => {
    const found = resolve(req, res);
    if (!found) return;
    const { incident: i } = found;
    if (i.status !== 'triggered') return settledPage(res, i);
    page(
      res,
      200,
      'Acknowledge this incident?',
      `${describe(i, tenantName(i.tenant))}
<p>Acknowledging tells the team you are on it and stops further escalation.</p>
<form method="post"><button type="submit">Acknowledge</button></form>`,
      'ask',
    );
  });

  r.post('/ack/:token', async (req, res) => {
    const found = resolve(req, res);
    if (!found) return;
    const { incident: i, payload } = found;
    if (i.status !== 'triggered') return settledPage(res, i);
    const principal = payload.responder ? `ack-link:responder/${payload.responder}` : 'ack-link';
    const out = await opts.acknowledge(i.tenant, i.id, actor(payload), principal);
    if ('error' in out) {
      page(res, 409, 'Could not acknowledge', `<p>${escapeHtml(out.error)}</p>`, 'error');
      return;
    }
    page(
      res,
      200,
      'Acknowledged',
      `${describe(out, tenantName(out.tenant))}<p>Thank you. Escalation has stopped; the incident is yours.</p>`,
      'ok',
    );
  });
  return r;
}
