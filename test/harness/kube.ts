// A real Kubernetes API server for one test suite: etcd and kube-apiserver (built from their Go
// modules by `scripts/tools.sh kube-apiserver etcd kubectl`) on free loopback ports, a temporary
// data dir, self-signed serving certs, a generated service-account signing key pair, an admin
// bearer token in group system:masters and RBAC authorization. No controller-manager and no
// scheduler run: objects are stored, validated, watched and authorized for real, but nothing acts
// on them (a deleted namespace stays Terminating, no default ServiceAccount appears, pods never run).
//
//   const kube = await KubeApiServer.start();
//   await kube.applyCrds();                        // crds/, waits until each is Established
//   await kube.kubectl('apply', '-f', 'examples/msp');
//   new KubeConfig().loadFromFile(kube.kubeconfigPath)  // for @kubernetes/client-node
//   await kube.stop();
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from './ports.ts';
import { ROOT } from './tools.ts';

const TOOLS = ['kube-apiserver', 'etcd', 'kubectl'] as const;
const INSTALL_HINT = 'run: scripts/tools.sh kube-apiserver etcd kubectl (first build ~7 min, then cached)';

/** Paths of the three binaries; one clear error naming the install command if any is missing. */
export function kubeTools(): Record<(typeof TOOLS)[number], string> {
  const paths = Object.fromEntries(TOOLS.map((t) => [t, join(ROOT, '.tools', 'bin', t)])) as Record<
    (typeof TOOLS)[number],
    string
  >;
  const missing = TOOLS.filter((t) => !existsSync(paths[t]));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not installed in .tools/bin; ${INSTALL_HINT}`);
  return paths;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly result: KubectlResult,
  ) {
    super(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

export interface KubeApiServerOptions {
  /** `RBAC` (default: the chart's Roles are enforced) or `AlwaysAllow`. */
  authorizationMode?: 'RBAC' | 'AlwaysAllow';
  /** More kube-apiserver flags, e.g. `--feature-gates=...`. */
  extraArgs?: string[];
  /** How long to wait for etcd and for the API server's /readyz (default 60 s each). */
  readyTimeoutMs?: number;
}

/** Live children, killed if the test process exits without stop() (a failed before() hook, ^C). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export class KubeApiServer {
  /** The admin's bearer token (user `admin`, group `system:masters`). */
  readonly token = randomBytes(24).toString('hex');
  /** kubeconfig for kubectl and @kubernetes/client-node: this server, its token, TLS unverified. */
  readonly kubeconfigPath: string;
  private etcd: ChildProcess | null = null;
  private apiserver: ChildProcess | null = null;
  private apiPort = 0;
  private etcdPort = 0;
  private constructor(
    readonly dir: string,
    private readonly tools: Record<(typeof TOOLS)[number], string>,
  ) {
    this.kubeconfigPath = join(dir, 'kubeconfig');
  }

  /** https://127.0.0.1:<port> */
  get url(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }

  /** http://127.0.0.1:<port> of etcd's client API. */
  get etcdUrl(): string {
    return `http://127.0.0.1:${this.etcdPort}`;
  }

  static async start(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
    const tools = kubeTools();
    const s = new KubeApiServer(mkdtempSync(join(tmpdir(), 'sb-kube-')), tools);
    try {
      await s.startEtcd(opts.readyTimeoutMs ?? 60_000);
      await s.startApiServer(opts);
      s.writeKubeconfig();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  private async startEtcd(timeoutMs: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const client = await freePort();
      const peer = await freePort();
      const clientUrl = `http://127.0.0.1:${client}`;
      const peerUrl = `http://127.0.0.1:${peer}`;
      const dataDir = join(this.dir, `etcd-${attempt}`);
      const log = join(this.dir, 'etcd.log');
      const proc = this.spawnLogged(this.tools.etcd, log, [
        '--name=default',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        // Test data: a crash loses it anyway, and fsync on a shared disk costs seconds per test.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ]);
      this.etcd = proc;
      this.etcdPort = client;
      try {
        await waitFor(
          'etcd /health',
          async () => {
            if (proc.exitCode !== null) throw new Error(`etcd exited ${proc.exitCode}`);
            const r = await fetch(`${clientUrl}/health`);
            return r.ok && ((await r.json()) as { health?: string }).health === 'true';
          },
          timeoutMs,
        );
        return;
      } catch (e) {
        await this.kill(proc);
        const tail = logTail(log);
        // Another process took one of the ports between freePort() and etcd binding it: try again.
        if (attempt < 3 && /address already in use/.test(tail)) continue;
        throw new Error(`etcd did not start: ${(e as Error).message}\n${tail}`);
      }
    }
  }

  /**
   * Stops kube-apiserver and starts it again on the same port and etcd: every open watch drops, and a
   * watch resumed from a resourceVersion older than the new server's watch cache gets 410 Gone.
   */
  async restartApiServer(opts: KubeApiServerOptions = {}): Promise<void> {
    await this.kill(this.apiserver);
    this.apiserver = null;
    await this.startApiServer(opts, this.apiPort);
    this.writeKubeconfig();
  }

  private async startApiServer(opts: KubeApiServerOptions, port?: number): Promise<void> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    writeFileSync(join(this.dir, 'sa.pub'), publicKey);
    writeFileSync(join(this.dir, 'sa.key'), privateKey, { mode: 0o600 });
    writeFileSync(join(this.dir, 'tokens.csv'), `${this.token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    mkdirSync(join(this.dir, 'certs'), { recursive: true });
    const timeoutMs = opts.readyTimeoutMs ?? 60_000;
    for (let attempt = 1; ; attempt++) {
      this.apiPort = attempt === 1 && port !== undefined ? port : await freePort();
      const log = join(this.dir, 'kube-apiserver.log');
      const proc = this.spawnLogged(this.tools['kube-apiserver'], log, [
        `--etcd-servers=${this.etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${this.apiPort}`,
        `--cert-dir=${join(this.dir, 'certs')}`,
        `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
        `--authorization-mode=${opts.authorizationMode ?? 'RBAC'}`,
        `--service-account-key-file=${join(this.dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(this.dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        // A config value only: no Service gets traffic, nothing routes to this range.
        '--service-cluster-ip-range=10.96.0.0/16',
        // The `kubernetes` Service's Endpoints would name 127.0.0.1, which Endpoints reject.
        '--endpoint-reconciler-type=none',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        ...(opts.extraArgs ?? []),
      ]);
      this.apiserver = proc;
      try {
        await waitFor(
          'kube-apiserver /readyz',
          async () => {
            if (proc.exitCode !== null) throw new Error(`kube-apiserver exited ${proc.exitCode}`);
            return (await this.request('GET', '/readyz')).status === 200;
          },
          timeoutMs,
        );
        return;
      } catch (e) {
        await this.kill(proc);
        const tail = logTail(log);
        if (attempt < 3 && /address already in use/.test(tail)) continue;
        throw new Error(`kube-apiserver did not become ready: ${(e as Error).message}\n${tail}`);
      }
    }
  }

  private spawnLogged(bin: string, log: string, args: string[]): ChildProcess {
    const fd = openSync(log, 'w');
    const proc = spawn(bin, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    return proc;
  }

  private writeKubeconfig(): void {
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'admin', user: { token: this.token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin', namespace: 'default' } }],
      'current-context': 'test',
    };
    writeFileSync(this.kubeconfigPath, stringify(config), { mode: 0o600 });
  }

  /** One HTTPS request to the API server as the admin (the self-signed serving cert is not verified). */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string; json: () => unknown }> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: this.apiPort,
          path,
          method,
          rejectUnauthorized: false,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** kubectl with this server's kubeconfig, without throwing: the exit code, stdout and stderr. */
  kubectlResult(args: string[], input?: string): Promise<KubectlResult> {
    const argv = ['--kubeconfig', this.kubeconfigPath, '--cache-dir', join(this.dir, 'kubectl-cache'), ...args];
    return new Promise((resolve, reject) => {
      const p = spawn(this.tools.kubectl, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      p.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      p.stdin.end(input ?? '');
    });
  }

  /** kubectl ARGS (paths relative to the repository root); its stdout, or a KubectlError. */
  async kubectl(...args: string[]): Promise<string> {
    const r = await this.kubectlResult(args);
    if (r.code !== 0) throw new KubectlError(args, r);
    return r.stdout;
  }

  /** kubectl ARGS with INPUT on stdin (e.g. `apply -f -`); its stdout, or a KubectlError. */
  async kubectlInput(input: string, ...args: string[]): Promise<string> {
    const r = await this.kubectlResult(args, input);
    if (r.code !== 0) throw new KubectlError(args, r);
    return r.stdout;
  }

  /** Applies every CRD in DIR (default: the repository's crds/) and waits until each is Established. */
  async applyCrds(dir = join(ROOT, 'crds'), timeoutMs = 60_000): Promise<string[]> {
    const names = (await this.kubectl('apply', '--server-side', '-o', 'name', '-f', dir))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('customresourcedefinition'));
    if (names.length === 0) throw new Error(`no CustomResourceDefinition in ${dir}`);
    await this.kubectl('wait', '--for=condition=Established', `--timeout=${Math.ceil(timeoutMs / 1000)}s`, ...names);
    return names.map((n) => n.slice(n.indexOf('/') + 1));
  }

  /** The last lines of kube-apiserver's (or etcd's) log, for assertion messages. */
  logTail(which: 'kube-apiserver' | 'etcd' = 'kube-apiserver'): string {
    return logTail(join(this.dir, `${which}.log`));
  }

  private async kill(p: ChildProcess | null, timeoutMs = 10_000): Promise<void> {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops kube-apiserver, then etcd, and removes the temporary directory. Idempotent. */
  async stop(): Promise<void> {
    await this.kill(this.apiserver);
    this.apiserver = null;
    await this.kill(this.etcd);
    this.etcd = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function logTail(path: string, bytes = 4000): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}
