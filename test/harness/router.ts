// Starting the router for a test: in-process (fast, inspectable) or as a child process (for kill -9).
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Clock } from '../../router/clock.ts';
import { type RunningRouter, startRouter } from '../../router/main.ts';
import { freePort, waitFor } from './ports.ts';
import { ROOT } from './tools.ts';

export const ADMIN_TOKEN = 'test-admin-token';
export const SHARED_TOKEN = 'test-shared-token';
/** Ingest tokens of the tenants in test/fixtures/router (see its config.yaml): send alerts and heartbeats. */
export const TOKENS = { acme: 'acme-token', globex: 'globex-token' } as const;
/** Responder tokens of those tenants: read and act on their incidents, manage their silences. */
export const RESPONDER_TOKENS = { acme: 'acme-responder-token', globex: 'globex-responder-token' } as const;
/** acme's viewer token: its status page and SLA reports. */
export const VIEWER_TOKEN = 'acme-viewer-token';

/** A private copy of a config folder, so a test may change it. */
export function copyConfig(from = join(ROOT, 'test/fixtures/router')): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  cpSync(from, dir, { recursive: true });
  return dir;
}

export async function startTestRouter(
  natsUrl: string,
  opts: { configDir?: string; clock?: Clock; maxBodyBytes?: number; escalationSweepMs?: number } = {},
): Promise<RunningRouter> {
  return startRouter({
    configDir: opts.configDir ?? copyConfig(),
    natsUrl,
    listen: { host: '127.0.0.1', port: 0 },
    env: { SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN, SWITCHBOARD_SHARED_INGEST_TOKEN: SHARED_TOKEN },
    log: pino({ level: process.env['SWITCHBOARD_TEST_LOG'] ?? 'silent' }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.escalationSweepMs ? { escalationSweepMs: opts.escalationSweepMs } : {}),
  });
}

/** jemalloc's setting in the container image (Dockerfile `ENV MALLOC_CONF`). */
export const MALLOC_CONF = 'background_thread:true';

/**
 * The router process's malloc, as the container image runs it (Dockerfile): jemalloc, preloaded from
 * Debian's libjemalloc2 (scripts/tools.sh jemalloc).
 */
export function routerMallocEnv(): Record<string, string> {
  const lib = join(ROOT, '.tools', 'lib', 'libjemalloc.so.2');
  if (!existsSync(lib)) throw new Error('jemalloc is not installed; run: scripts/tools.sh jemalloc');
  return { LD_PRELOAD: lib, MALLOC_CONF };
}

/** The router as its own process (`switchboard router`), for crash tests. */
export class RouterProcess {
  private proc: ChildProcess | null = null;
  output = '';
  private constructor(
    readonly port: number,
    private readonly natsUrl: string,
    private readonly configDir: string,
    private readonly extraArgs: string[],
    private readonly env: Record<string, string>,
    private readonly wrapper: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs (not stopped or killed). */
  get running(): boolean {
    return this.proc !== null;
  }

  /** Process id while running (for RSS measurements). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(
    natsUrl: string,
    configDir = copyConfig(),
    extraArgs: string[] = [],
    env: Record<string, string> = {},
    /** A command the router runs under, e.g. `['faketime', '-f', '+3s']` for a clock 3 s ahead. */
    wrapper: string[] = [],
  ): Promise<RouterProcess> {
    const r = new RouterProcess(await freePort(), natsUrl, configDir, extraArgs, env, wrapper);
    await r.spawn();
    return r;
  }

  async spawn(): Promise<void> {
    const [command, ...prefix] = [...this.wrapper, process.execPath];
    const proc = spawn(
      command as string,
      [
        ...prefix,
        // For profiling a benchmark's router, e.g. SWITCHBOARD_TEST_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p".
        ...(process.env['SWITCHBOARD_TEST_NODE_ARGS']?.split(' ').filter(Boolean) ?? []),
        join(ROOT, 'bin/switchboard.js'),
        'router',
        // An empty folder name means Kubernetes mode: the operator's snapshot in NATS.
        ...(this.configDir ? ['--config', this.configDir] : ['--config-from-nats']),
        '--nats',
        this.natsUrl,
        '--listen',
        `127.0.0.1:${this.port}`,
        ...this.extraArgs,
      ],
      {
        env: {
          ...process.env,
          SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
          SWITCHBOARD_SHARED_INGEST_TOKEN: SHARED_TOKEN,
          SWITCHBOARD_LOG_LEVEL: 'warn',
          // As the container image runs it (Dockerfile): benchmarks measure what production runs. Not
          // under a wrapper: libfaketime hangs at start beside jemalloc (each calls into the other while
          // initialising), so a skewed-clock replica runs on glibc's malloc.
          ...(this.wrapper.length === 0 ? routerMallocEnv() : {}),
          ...this.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // A wrapper (faketime) runs the router as its child: its own process group, signalled as a whole.
        detached: this.wrapper.length > 0,
      },
    );
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.proc = proc;
    await waitFor(
      `router on ${this.port}`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`router exited ${proc.exitCode}: ${this.output}`);
        const r = await fetch(`${this.url}/readyz`).catch(() => null);
        return r?.status === 200;
      },
      30_000,
    );
  }

  /** kill -9: no shutdown code runs. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    if (this.wrapper.length > 0 && p.pid) process.kill(-p.pid, sig);
    else p.kill(sig);
    await exited;
    this.proc = null;
  }
}

/** A small HTTP client for the router API. */
export function api(base: string, token: string = ADMIN_TOKEN) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    // biome-ignore lint/suspicious/noExplicitAny: test convenience
    return { status: res.status, headers: res.headers, body: json as any };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    call,
  };
}
