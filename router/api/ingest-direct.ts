// The busiest routes, served without express: POST /api/v1/alerts, /api/v1/alerts/alertmanager and
// /api/v1/alerts/zabbix, spelled exactly so. Express's routing and request set-up took ~7 % of the
// router's CPU per 100-alert request (1.74 against 1.61 ms per request, measured under load). These
// requests go through the same steps as the express routes, by the same functions: request id and log
// line, in-flight count, bearer token, body-parser's JSON parser (so every body error is the same),
// acceptAlerts, and the same error mapping. Any other spelling (a trailing slash, other case), the
// path-key routes and PRTG go to express as before.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from './auth.ts';
import type { ApiContext } from './context.ts';
import { acceptAlerts, countRequest, type IngestSource, ingestJson } from './ingest.ts';
import { errorAnswer, principalOf, requestIdOf, sendAnswer, trackRequest } from './middleware.ts';

const DIRECT = new Map<string, IngestSource>([
  ['/api/v1/alerts', 'generic'],
  ['/api/v1/alerts/alertmanager', 'alertmanager'],
  ['/api/v1/alerts/zabbix', 'zabbix'],
]);

/** Serves a request of a direct route and returns true; false for every other request (express's). */
export function directIngest(ctx: ApiContext) {
  const json = ingestJson(ctx);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const source = DIRECT.get(path);
    if (!source) return false;

    const id = requestIdOf(req.headers['x-request-id'] as string | undefined);
    trackRequest(ctx, res, id, 'POST', () => path);
    countRequest(ctx.ingestLoad, res);
    const fail = (err: unknown) => {
      if (!res.headersSent) sendAnswer(res, errorAnswer(ctx, err, { id, path }));
    };
    try {
      const principal = principalOf(ctx, bearerToken(req.headers.authorization), 'header');
      json(req, res, (err) => {
        if (err) return fail(err);
        const body = (req as IncomingMessage & { body?: unknown }).body;
        acceptAlerts(ctx, source, { id, principal, body, contentType: req.headers['content-type'] }).then(
          (answer) => sendAnswer(res, answer),
          fail,
        );
      });
    } catch (e) {
      fail(e);
    }
    return true;
  };
}
