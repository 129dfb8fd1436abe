// A real Prometheus Alertmanager (the Debian package, .tools/bin/alertmanager) for one test suite:
// free loopback port, clustering off, temporary storage, one webhook receiver with bearer auth.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { toolPath } from './tools.ts';

export interface AlertmanagerOptions {
  /** The webhook receiver's URL, e.g. `${router.url}/api/v1/alerts/alertmanager`. */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string;
  /**
   * More receivers, each for the alerts its matchers select (child routes, first match wins); the rest go to
   * `webhookUrl`. E.g. an MSP's shared Alertmanager sending one customer's alerts with another token.
   */
  routes?: { matchers: string[]; webhookUrl: string; token: string }[];
  /** Route timing; the defaults notify fast enough for tests. */
  /** The route's group_by (default [alertname]). */
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** What Alertmanager's `POST /api/v2/alerts` takes (times are RFC 3339). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** An alert as `GET /api/v2/alerts` lists it. */
export interface GettableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export function alertmanagerConfig(o: AlertmanagerOptions): string {
  const receiver = (name: string, url: string, token: string) => ({
    name,
    webhook_configs: [
      { url, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: token } } },
    ],
  });
  const routes = o.routes ?? [];
  // JSON is valid YAML, and quoting the URL and token this way cannot break the document.
  return JSON.stringify(
    {
      route: {
        receiver: 'switchboard',
        group_by: o.groupBy ?? ['alertname'],
        group_wait: o.groupWait ?? '100ms',
        group_interval: o.groupInterval ?? '1s',
        repeat_interval: o.repeatInterval ?? '1h',
        ...(routes.length ? { routes: routes.map((r, i) => ({ receiver: `route-${i}`, matchers: r.matchers })) } : {}),
      },
      receivers: [
        receiver('switchboard', o.webhookUrl, o.token),
        ...routes.map((r, i) => receiver(`route-${i}`, r.webhookUrl, r.token)),
      ],
    },
    null,
    2,
  );
}

export class Alertmanager {
  output = '';
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly proc: ChildProcess,
  ) {}

  /** Process id (for RSS measurements). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(o: AlertmanagerOptions): Promise<Alertmanager> {
    const bin = toolPath('alertmanager');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sb-alertmanager-'));
    const configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, alertmanagerConfig(o));
    const proc = spawn(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Empty: no gossip cluster (and no port of its own to collide with other tests).
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const am = new Alertmanager(port, dir, proc);
    const keep = (d: Buffer) => {
      am.output = (am.output + d.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    try {
      await waitFor(`alertmanager on ${port}`, async () => {
        if (proc.exitCode !== null) throw new Error(`alertmanager exited ${proc.exitCode}: ${am.output}`);
        const r = await fetch(`${am.url}/-/ready`).catch(() => null);
        return r?.status === 200;
      });
    } catch (e) {
      await am.stop();
      throw e;
    }
    return am;
  }

  /** `POST /api/v2/alerts`; throws unless Alertmanager answers 200. */
  async postAlerts(alerts: PostableAlert[]): Promise<void> {
    const res = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    if (res.status !== 200) throw new Error(`alertmanager answered ${res.status}: ${await res.text()}`);
  }

  /** `GET /api/v2/alerts`: the alerts Alertmanager holds, with its fingerprints. */
  async alerts(): Promise<GettableAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`);
    if (res.status !== 200) throw new Error(`alertmanager answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as GettableAlert[];
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and removes its files. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
