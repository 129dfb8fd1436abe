// The router's HTTP application: the direct ingest routes, then one express app with routers in the order
// requests are most frequent.
import type { RequestListener } from 'node:http';
import express, { type Express, type Router } from 'express';
import type { ApiContext } from './context.ts';
import { healthRouter } from './health.ts';
import { incidentsRouter } from './incidents.ts';
import { ingestRouter } from './ingest.ts';
import { directIngest } from './ingest-direct.ts';
import { errorHandler, requestId } from './middleware.ts';

/**
 * The server's request listener: the direct ingest routes (router/api/ingest-direct.ts), else the express
 * app. `routers`: more routes, mounted after the built-in ones (acknowledge pages, on-call).
 */
export function createRequestListener(ctx: ApiContext, routers: Router[] = []): RequestListener {
  const app = createApp(ctx, routers);
  const direct = directIngest(ctx);
  return (req, res) => {
    if (!direct(req, res)) app(req, res);
  };
}

export function createApp(ctx: ApiContext, routers: Router[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestId(ctx));
  app.use(ingestRouter(ctx));
  app.use(incidentsRouter(ctx));
  app.use(healthRouter(ctx));
  for (const r of routers) app.use(r);
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}`, details: { see: 'docs/api.md' } });
  });
  app.use(errorHandler(ctx));
  return app;
}
