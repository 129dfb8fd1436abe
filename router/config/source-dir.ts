// Local / GitOps mode: the config comes from a folder of manifests, reloaded on SIGHUP and on file
// changes. A change that does not compile is rejected with a log line; the config in force stays.
import { type FSWatcher, watch } from 'node:fs';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { compile, formatConfigError } from './compile/index.ts';
import type { ConfigHolder } from './holder.ts';
import { loadManifests } from './manifest.ts';

export type LoadOutcome = { ok: true; changed: boolean } | { ok: false; errors: string[] };

export function loadFromDir(dir: string, holder: ConfigHolder, clock: Clock): LoadOutcome {
  const loaded = loadManifests([dir]);
  const result = compile(loaded.resources);
  const errors = [
    ...loaded.errors.map((e) => `${e.source}: ${e.message}`),
    ...(result.ok ? [] : result.errors.map(formatConfigError)),
  ];
  if (errors.length > 0 || !result.ok) return { ok: false, errors };
  return { ok: true, changed: holder.set(result.config, null, clock()) };
}

export class DirectoryConfigSource {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly onHup = () => this.reload('SIGHUP');

  constructor(
    private readonly dir: string,
    private readonly holder: ConfigHolder,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** First load; throws with every error when the folder does not compile (the router cannot start without config). */
  start(): void {
    const out = loadFromDir(this.dir, this.holder, this.clock);
    if (!out.ok) throw new Error(`configuration in ${this.dir} is invalid:\n  ${out.errors.join('\n  ')}`);
    this.log.info(
      { dir: this.dir, revision: this.holder.get()?.revision, hash: this.holder.get()?.config.hash.slice(0, 12) },
      'configuration loaded',
    );
    process.on('SIGHUP', this.onHup);
    try {
      this.watcher = watch(this.dir, { recursive: true }, () => this.schedule());
    } catch (e) {
      this.log.warn({ err: e }, 'cannot watch the config folder; reload with SIGHUP');
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload('file change'), 300);
  }

  reload(why: string): LoadOutcome {
    const out = loadFromDir(this.dir, this.holder, this.clock);
    if (!out.ok) {
      this.metrics.configReloads.inc({ outcome: 'rejected' });
      this.log.error(
        { why, errors: out.errors },
        `configuration change rejected; keeping revision ${this.holder.get()?.revision}: ${out.errors[0]}`,
      );
    } else if (out.changed) {
      this.metrics.configReloads.inc({ outcome: 'applied' });
      this.log.info({ why, revision: this.holder.get()?.revision }, 'configuration reloaded');
    } else {
      this.metrics.configReloads.inc({ outcome: 'unchanged' });
    }
    return out;
  }

  stop(): void {
    process.off('SIGHUP', this.onHup);
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
  }
}
