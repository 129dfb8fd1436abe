// A small HTTP load balancer in front of the router replicas, as an MSP runs them: every source, API client and
// acknowledge link talks to it. Requests go round-robin to the replicas; a replica that cannot be reached
// (killed, restarting) is skipped and the request goes to the next, as a proxy's "next upstream on error" does.
// Ingest requests may be repeated that way: the router stores a request once (its JetStream message id is the
// hash of what it carries). It records every ingest request with the answer the client got, so a test can
// check that everything answered 202 ended up in an incident.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Forwarded {
  at: number;
  method: string;
  path: string;
  authorization: string;
  body: string;
  status: number;
  /** Which replica answered (index into the upstreams), -1 when none could be reached. */
  upstream: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade']);

export class Balancer {
  readonly ingest: Forwarded[] = [];
  private turn = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstreams: () => string[],
  ) {}

  static async start(upstreams: () => string[]): Promise<Balancer> {
    let self: Balancer | null = null;
    const server = createServer((req, res) => {
      self?.handle(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`balancer: ${(e as Error).message}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new Balancer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upstreams);
    return self;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(k) && typeof v === 'string') headers[k] = v;
    }
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const targets = this.upstreams();
    const start = this.turn++ % targets.length;
    let lastError: unknown = null;
    for (let n = 0; n < targets.length; n++) {
      const i = (start + n) % targets.length;
      let answer: Response;
      try {
        answer = await fetch(`${targets[i]}${path}`, {
          method,
          headers,
          ...(body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
          redirect: 'manual',
        });
      } catch (e) {
        lastError = e; // unreachable (refused, reset by a killed process): the next replica
        continue;
      }
      const text = Buffer.from(await answer.arrayBuffer());
      this.record(method, path, headers, body, answer.status, i);
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') out[k] = v;
      });
      res.writeHead(answer.status, out);
      res.end(text);
      return;
    }
    this.record(method, path, headers, body, 502, -1);
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`no replica reachable: ${String((lastError as Error | null)?.message ?? lastError)}`);
  }

  private record(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    status: number,
    i: number,
  ) {
    if (method !== 'POST' || !path.startsWith('/api/v1/alerts')) return;
    this.ingest.push({
      at: Date.now(),
      method,
      path,
      authorization: headers['authorization'] ?? '',
      body: body.toString('utf8'),
      status,
      upstream: i,
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
