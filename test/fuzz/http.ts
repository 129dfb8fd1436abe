// HTTP for the fuzz tests: requests with exactly the bytes and headers given (fetch would fix up
// bodies and refuse some headers), and raw sockets for clients that dribble bytes or stall.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON, or undefined if it is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: API JSON
  json: any;
}

export interface Send {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send the body chunked (no Content-Length), in pieces of this many bytes. */
  chunked?: number;
}

/** A keep-alive client for one server; `close()` ends its sockets. */
export class RawClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    readonly base: string,
    private readonly timeoutMs = 20_000,
  ) {}

  send(o: Send): Promise<Reply> {
    const url = new URL(this.base);
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, 'utf8');
    const headers: Record<string, string> = { ...o.headers };
    if (body && !o.chunked) headers['content-length'] = String(body.length);
    return new Promise<Reply>((resolve, reject) => {
      let answered = false;
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: o.method ?? 'POST',
          path: o.path,
          headers,
          agent: this.agent,
        },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(
          new Error(`no answer to ${o.method ?? 'POST'} ${o.path.slice(0, 200)} within ${this.timeoutMs} ms`),
        );
      });
      // A server that answers before reading the whole body may close the socket under a write.
      req.on('error', (e) => {
        if (!answered) reject(e);
      });
      if (body && o.chunked) {
        for (let i = 0; i < body.length; i += o.chunked) req.write(body.subarray(i, i + o.chunked));
        req.end();
      } else req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface SlowOutcome {
  name: string;
  /** When the server closed the connection, in ms after it was opened; null while it is open. */
  closedAfterMs: number | null;
  /** What the server sent. */
  received: string;
}

/**
 * A client that talks to `port` as `script` says (writes, pauses) and never closes the connection
 * itself: `outcome` settles when the server closes it. `stop()` closes it from this side.
 */
export function slowClient(
  port: number,
  name: string,
  script: (socket: Socket, stopped: () => boolean) => void,
): { outcome: Promise<SlowOutcome>; stop(): void } {
  const socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let received = '';
  let closed = false;
  socket.setNoDelay(true);
  socket.on('data', (d: Buffer) => {
    received = (received + d.toString('latin1')).slice(0, 4000);
  });
  // EPIPE/ECONNRESET when the server closes while this side writes: the close tells the outcome.
  socket.on('error', () => {});
  const outcome = new Promise<SlowOutcome>((resolve) => {
    socket.on('close', () => {
      closed = true;
      resolve({ name, closedAfterMs: Date.now() - opened, received });
    });
  });
  socket.on('connect', () => script(socket, () => closed));
  return { outcome, stop: () => socket.destroy() };
}

/** Writes `bytes` one at a time, every `everyMs`, until done or the socket closed. */
export function dribble(socket: Socket, bytes: Buffer, everyMs: number, stopped: () => boolean): void {
  let i = 0;
  const timer = setInterval(() => {
    if (stopped() || i >= bytes.length) {
      clearInterval(timer);
      return;
    }
    socket.write(bytes.subarray(i, i + 1));
    i++;
  }, everyMs);
  timer.unref();
}
