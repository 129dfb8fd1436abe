// A real nats-server with JetStream for one test suite: free port, temporary store, stop/kill/restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { toolPath } from './tools.ts';

export class NatsServer {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly extraArgs: string[],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = []): Promise<NatsServer> {
    const s = new NatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'sb-nats-')), extraArgs);
    await s.startProcess();
    return s;
  }

  private async startProcess(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir, ...this.extraArgs];
    const proc = spawn(toolPath('nats-server'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    this.proc = proc;
    await waitFor(`nats-server on ${this.port} (${stderr})`, async () => {
      if (proc.exitCode !== null) throw new Error(`nats-server exited ${proc.exitCode}: ${stderr}`);
      return canConnect(this.port);
    });
  }

  /** Graceful stop (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** kill -9. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.startProcess();
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(sig);
    await exited;
    this.proc = null;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
