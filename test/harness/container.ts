// The container image for a test: built from the Dockerfile with buildah (no Docker daemon), run with podman
// on runc the way the chart runs it (read-only root, uid 65532, no capabilities, /tmp a small tmpfs).
// Machines without registry access build on local stand-ins for the public bases (scripts/image-bases.sh).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './tools.ts';

export interface ImageBases {
  buildBase: string;
  runtimeBase: string;
  storageRoot: string;
  runRoot: string;
}

/** Where a prerequisite is missing on this machine: a clear message, never a silent skip. */
function requireRootAndTools(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the image test builds and runs containers as root (buildah/podman, chroot isolation); run it as root',
    );
  }
  for (const tool of ['buildah', 'podman', 'runc', 'debootstrap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is not installed; run: scripts/tools.sh ${tool}`);
    }
  }
}

/** The local base images (made once, then reused; scripts/image-bases.sh). */
export function imageBases(log: (line: string) => void): ImageBases {
  requireRootAndTools();
  const started = Date.now();
  const r = spawnSync(join(ROOT, 'scripts/image-bases.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of r.stderr.split('\n').filter(Boolean)) log(line);
  if (r.status !== 0) throw new Error(`scripts/image-bases.sh failed (exit ${r.status}): ${r.stderr}`);
  const values = Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  log(`bases ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const pick = (k: string) => {
    const v = values[k];
    if (!v) throw new Error(`scripts/image-bases.sh printed no ${k}: ${r.stdout}`);
    return v;
  };
  return {
    buildBase: pick('BUILD_BASE'),
    runtimeBase: pick('RUNTIME_BASE'),
    storageRoot: pick('STORAGE_ROOT'),
    runRoot: pick('RUN_ROOT'),
  };
}

/** buildah's or podman's options for the bases' storage: both tools must see the same images. */
function storageArgs(b: ImageBases): string[] {
  return ['--root', b.storageRoot, '--runroot', b.runRoot, '--storage-driver', 'vfs'];
}

/** Runs a command to its end, each output line to `log`; rejects with the tail of the output on failure. */
function run(command: string, args: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const take = (d: Buffer) => {
      output = (output + d.toString()).slice(-50_000);
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) log(line);
    };
    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.slice(0, 8).join(' ')} ... exited ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/**
 * Builds the Dockerfile at the repository root into `tag`, on the given bases; the image's id. `--layers`
 * keeps each step's result in the storage, so a build whose inputs did not change reuses them.
 */
export async function buildImage(b: ImageBases, tag: string, log: (line: string) => void): Promise<string> {
  const args = [
    ...storageArgs(b),
    'bud',
    '--isolation',
    'chroot',
    '--layers',
    '--network',
    'host',
    '--build-arg',
    `BUILD_BASE=${b.buildBase}`,
    '--build-arg',
    `RUNTIME_BASE=${b.runtimeBase}`,
    ...hostCaVolumes(),
    '--tag',
    tag,
    ROOT,
  ];
  const output = await run('buildah', args, log);
  // bud prints the new image's id last.
  const id = output.trim().split('\n').pop()?.trim() ?? '';
  if (!/^[0-9a-f]{64}$/.test(id))
    throw new Error(`buildah bud printed no image id at the end:\n${output.slice(-2000)}`);
  // vfs stores every layer as a full copy (~0.3-0.7 GB each): drop the cached steps of builds older than a
  // day, so the cache follows source changes without filling the disk.
  await run('podman', [...storageArgs(b), 'image', 'prune', '--force', '--filter', 'until=24h'], () => undefined);
  return id;
}

/**
 * npm in the build trusts the machine's CA bundle, for machines whose egress goes through a TLS-inspecting
 * proxy (such as the test machines). Mounted for the RUN steps only: nothing of it reaches a layer.
 * /usr/local/etc/npmrc is npm's global config file when node is /usr/local/bin/node (both bases).
 */
function hostCaVolumes(): string[] {
  const bundle = '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(bundle)) return [];
  const dir = mkdtempSync(join(tmpdir(), 'sb-image-npmrc-'));
  writeFileSync(join(dir, 'npmrc'), 'cafile=/usr/local/etc/host-ca.crt\n');
  return [
    '--volume',
    `${bundle}:/usr/local/etc/host-ca.crt:ro`,
    '--volume',
    `${join(dir, 'npmrc')}:/usr/local/etc/npmrc:ro`,
  ];
}

/**
 * podman run's options for the chart's securityContext (charts/switchboard/templates/_helpers.tpl):
 * runAsUser/runAsGroup 65532, readOnlyRootFilesystem, allowPrivilegeEscalation false, capabilities drop ALL,
 * and router.yaml's /tmp emptyDir (128Mi). Host network, so the container reaches the test's nats-server on
 * 127.0.0.1. runc, cgroupfs and explicit ulimits: crun and podman's default rlimits fail on this kind of
 * machine (hybrid cgroups, a sandboxed setrlimit).
 */
function podmanRunArgs(b: ImageBases, name: string): string[] {
  return [
    ...storageArgs(b),
    '--runtime',
    'runc',
    '--cgroup-manager',
    'cgroupfs',
    'run',
    '--rm',
    '--name',
    name,
    '--network',
    'host',
    '--ulimit',
    'nofile=1024:1024',
    '--ulimit',
    'nproc=1024:1024',
    '--read-only',
    '--user',
    '65532:65532',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--tmpfs',
    '/tmp:rw,size=128m,mode=1777',
  ];
}

/** Runs the image's entrypoint with `args` to its end; its output. */
export function runOnce(b: ImageBases, image: string, args: string[], log: (line: string) => void): Promise<string> {
  const name = `sb-once-${process.pid}-${Date.now().toString(36)}`;
  return run('podman', [...podmanRunArgs(b, name), image, ...args], log);
}

/** A long-running container (the router), stopped with stop(). */
export class RunningContainer {
  output = '';
  private constructor(
    private readonly b: ImageBases,
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {}

  static start(
    b: ImageBases,
    image: string,
    args: string[],
    opts: { env?: Record<string, string>; volumes?: string[] } = {},
  ): RunningContainer {
    const name = `sb-run-${process.pid}-${Date.now().toString(36)}`;
    const extra = [
      ...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      ...(opts.volumes ?? []).flatMap((v) => ['--volume', v]),
    ];
    const proc = spawn('podman', [...podmanRunArgs(b, name), ...extra, image, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const c = new RunningContainer(b, name, proc);
    const keep = (d: Buffer) => {
      c.output = (c.output + d.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    return c;
  }

  get exitCode(): number | null {
    return this.proc.exitCode;
  }

  /** podman rm -f: stops the container (SIGKILL after a 10 s grace) and removes it. */
  async stop(): Promise<void> {
    spawnSync('podman', [...storageArgs(this.b), '--runtime', 'runc', 'rm', '-f', '-t', '10', this.name], {
      stdio: 'ignore',
    });
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      await new Promise((r) => this.proc.once('close', r));
    }
  }
}
