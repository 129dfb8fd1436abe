// A real Prometheus (Debian package, installed by `scripts/tools.sh prometheus`) for one test suite:
// free port, temporary TSDB, scrape targets given at start, instant queries over its HTTP API.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from './ports.ts';
import { toolPath } from './tools.ts';

export interface ScrapeJob {
  job: string;
  targets: string[];
  /** Keep the target's own `instance`/`job` labels instead of renaming them `exported_*`. */
  honorLabels?: boolean;
}

export interface PrometheusOptions {
  /** A rules file (`{groups: [...]}`), evaluated every INTERVAL. */
  rules?: unknown;
  /** Alertmanagers (`host:port`) that firing and resolved alerts are sent to. */
  alertmanagers?: string[];
}

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string] }[] };
}

export class Prometheus {
  private proc: ChildProcess | null = null;
  log = '';
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts Prometheus scraping JOBS every INTERVAL (also its rule evaluation interval). */
  static async start(jobs: ScrapeJob[], interval = '1s', opts: PrometheusOptions = {}): Promise<Prometheus> {
    const p = new Prometheus(await freePort(), mkdtempSync(join(tmpdir(), 'sb-prom-')));
    const config: Record<string, unknown> = {
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      scrape_configs: jobs.map((j) => ({
        job_name: j.job,
        static_configs: [{ targets: j.targets }],
        ...(j.honorLabels ? { honor_labels: true } : {}),
      })),
    };
    if (opts.rules) {
      writeFileSync(join(p.dir, 'rules.yml'), stringify(opts.rules));
      config['rule_files'] = [join(p.dir, 'rules.yml')];
    }
    if (opts.alertmanagers?.length) {
      config['alerting'] = { alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers }] }] };
    }
    writeFileSync(join(p.dir, 'prometheus.yml'), stringify(config));
    const proc = spawn(
      toolPath('prometheus'),
      [
        `--config.file=${join(p.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(p.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${p.port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (d: Buffer) => {
      p.log = (p.log + d.toString()).slice(-8000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    p.proc = proc;
    try {
      await waitFor(
        `prometheus on ${p.port}`,
        async () => {
          if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}: ${p.log}`);
          const r = await fetch(`${p.url}/-/ready`).catch(() => null);
          return r?.status === 200;
        },
        30_000,
      );
    } catch (e) {
      await p.stop();
      throw e;
    }
    return p;
  }

  /** GET /api/v1/query?query=EXPR (an instant query now); the parsed answer, errors included. */
  async query(expr: string): Promise<QueryResult> {
    const r = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    return (await r.json()) as QueryResult;
  }

  /** GET /api/v1/series?match[]=SELECTOR over the last hour. */
  async series(selector: string): Promise<{ status: string; error?: string; data?: Record<string, string>[] }> {
    const start = String(Date.now() / 1000 - 3600);
    const r = await fetch(`${this.url}/api/v1/series?${new URLSearchParams({ 'match[]': selector, start })}`);
    return (await r.json()) as { status: string; error?: string; data?: Record<string, string>[] };
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    this.proc = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
