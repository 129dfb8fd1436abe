// Dead-lettered alerts (router/bus/deadletter.ts), admin token only: they may be any tenant's.
// `GET /api/v1/deadletters?tenant=` lists them, `POST /api/v1/deadletters/{seq}/retry` publishes an entry's
// alerts to the alerts stream again (after the cause is fixed) and `DELETE /api/v1/deadletters/{seq}`
// discards it. docs/api.md; what to do when they appear: docs/runbooks.md.
import { type Request, Router } from 'express';
import type { DeadLetters } from '../bus/deadletter.ts';
import { isTransient } from '../bus/retry.ts';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import type { ApiContext } from './context.ts';
import { authenticate, requireAdmin } from './middleware.ts';

const TENANT = /^[A-Za-z0-9_-]{1,128}$/;

function seqOf(req: Request): number {
  const text = String(req.params['seq'] ?? '');
  const seq = /^[0-9]{1,15}$/.test(text) ? Number(text) : 0;
  if (!(seq > 0)) throw new ValidationError('seq', 'must be a dead letter sequence number (a positive integer)');
  return seq;
}

/** NATS unreachable: 503 (try again), not a 500. */
async function nats<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (isTransient(e)) throw new UnavailableError('NATS is not reachable; try again', 5, { cause: e });
    throw e;
  }
}

export function deadLettersRouter(ctx: ApiContext, deadLetters: DeadLetters): Router {
  const r = Router();
  r.use('/api/v1/deadletters', authenticate(ctx), requireAdmin);

  r.get('/api/v1/deadletters', async (req, res) => {
    const q = req.query['tenant'];
    if (q !== undefined && (typeof q !== 'string' || !TENANT.test(q))) {
      throw new ValidationError('tenant', 'must be a tenant name (letters, digits, - and _)');
    }
    const list = await nats(() => deadLetters.list(q || undefined));
    res.json({ deadLetters: list });
  });

  r.post('/api/v1/deadletters/:seq/retry', async (req, res) => {
    const seq = seqOf(req);
    const out = await nats(() => deadLetters.retry(seq));
    if (out === null) throw new NotFoundError(`dead letter ${seq} not found`);
    if (out === 'gone') {
      throw new ConflictError(
        `dead letter ${seq} kept no payload and the alerts stream no longer holds the original; discard it`,
      );
    }
    ctx.log.info({ seq, tenant: out.tenant, alerts: out.alerts }, 'dead-lettered alerts published again');
    res.status(202).json({ retried: out });
  });

  r.delete('/api/v1/deadletters/:seq', async (req, res) => {
    const seq = seqOf(req);
    const found = await nats(() => deadLetters.get(seq));
    if (!found || !(await nats(() => deadLetters.discard(seq))))
      throw new NotFoundError(`dead letter ${seq} not found`);
    ctx.log.warn({ seq, tenant: found.entry.tenant, alerts: found.entry.alerts }, 'dead-lettered alerts discarded');
    res.json({ discarded: found.entry });
  });
  return r;
}
