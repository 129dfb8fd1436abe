// A real nats-server with JetStream for one test suite: free port, temporary store, stop/kill/restart. And a
// cluster of them (routes between the nodes, JetStream clustered, one store folder per node) on loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, waitFor } from './ports.ts';
import { toolPath } from './tools.ts';

export class NatsServer {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly extraArgs: string[],
    /** A nats-server config file (`-c`): its listen address and port are overridden, the rest used as is. */
    readonly configFile?: string,
    /** Environment of the process beyond this one's (a config file's `$VAR` references). */
    private readonly env: Record<string, string> = {},
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running (not killed or stopped). */
  get running(): boolean {
    return this.proc !== null;
  }

  static async start(extraArgs: string[] = [], port?: number): Promise<NatsServer> {
    const s = new NatsServer(port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'sb-nats-')), extraArgs);
    await s.startProcess();
    return s;
  }

  /**
   * A server run from a config file, as production runs one (authorization, TLS, jetstream limits):
   * `config` is the file's text; `{{STORE}}` in it stands for a fresh store folder.
   */
  static async startWithConfig(
    config: string,
    extraArgs: string[] = [],
    env: Record<string, string> = {},
  ): Promise<NatsServer> {
    const storeDir = mkdtempSync(join(tmpdir(), 'sb-nats-'));
    const configFile = join(storeDir, 'nats.conf');
    writeFileSync(configFile, config.replaceAll('{{STORE}}', join(storeDir, 'js')));
    const s = new NatsServer(await freePort(), storeDir, extraArgs, configFile, env);
    await s.startProcess();
    return s;
  }

  /** Starts the process again after stop() or kill(): same port, same store. */
  async startProcess(): Promise<void> {
    const base = this.configFile
      ? ['-c', this.configFile, '-a', '127.0.0.1', '-p', String(this.port)]
      : ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    const args = [...base, ...this.extraArgs];
    const proc = spawn(toolPath('nats-server'), args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...this.env },
    });
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

/**
 * A NATS cluster on loopback: `size` nodes with routes to each other, JetStream clustered (one store folder
 * per node), so streams and buckets can have up to `size` replicas. Ready once JetStream answers.
 */
export class NatsCluster {
  private constructor(readonly nodes: NatsServer[]) {}

  /** Every node's client URL, comma-separated (as `--nats` takes them). */
  get url(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  static async start(size = 3): Promise<NatsCluster> {
    // Free ports are picked before they are bound: another process may take one meanwhile. Try again then.
    for (let attempt = 1; ; attempt++) {
      const nodes: NatsServer[] = [];
      try {
        const clientPorts: number[] = [];
        const routePorts: number[] = [];
        for (let i = 0; i < size; i++) {
          clientPorts.push(await freePort());
          routePorts.push(await freePort());
        }
        const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
        await Promise.all(
          clientPorts.map(async (port, i) => {
            const args = ['--server_name', `n${i + 1}`, '--cluster_name', 'sb-test'];
            args.push('--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes);
            nodes.push(await NatsServer.start(args, port));
          }),
        );
        nodes.sort((a, b) => clientPorts.indexOf(a.port) - clientPorts.indexOf(b.port));
        const c = new NatsCluster(nodes);
        await c.ready();
        return c;
      } catch (e) {
        await Promise.all(nodes.map((n) => n.close()));
        if (attempt >= 3) throw e;
      }
    }
  }

  /** Until JetStream is clustered and answers with every node up (a meta leader is elected). */
  async ready(timeoutMs = 30_000): Promise<void> {
    const nc = await connect({ servers: this.url.split(','), timeout: 2_000 });
    try {
      await waitFor(
        'the NATS cluster to elect a JetStream leader',
        async () => (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo().then(() => true),
        timeoutMs,
      );
    } finally {
      await nc.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
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
