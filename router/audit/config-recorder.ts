// Records each configuration change the router applies (folder reload or operator snapshot) in the audit
// trail, with the resources it added, removed and changed. Every replica records it; the Nats-Msg-Id
// (previous hash → new hash) stores it once. The config loaded at start is not a change and is not recorded.
import type { Clock } from '../clock.ts';
import type { RouterConfig } from '../config/compiled.ts';
import type { ConfigHolder } from '../config/holder.ts';
import type { Logger } from '../log.ts';
import { configDiff } from './diff.ts';
import type { AuditTrail } from './trail.ts';

export function recordConfigChanges(holder: ConfigHolder, audit: AuditTrail, clock: Clock, log: Logger): void {
  let previous: RouterConfig | null = holder.get()?.config ?? null;
  holder.onChange((s) => {
    const before = previous;
    previous = s.config;
    if (!before || before.hash === s.config.hash) return;
    audit
      .append({
        type: 'config.changed',
        at: new Date(clock()).toISOString(),
        revision: s.revision,
        hash: s.config.hash,
        previousHash: before.hash,
        ...configDiff(before, s.config),
      })
      .catch((err) => log.warn({ err, revision: s.revision }, 'recording the config change in the audit trail failed'));
  });
}
