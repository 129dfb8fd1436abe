// The compiled config as the operator publishes it in the KV bucket `sb-config` under the key
// `snapshot`: `{revision, hash, config, writtenAt}` as gzip-compressed JSON (a config of thousands of
// tenants stays far below NATS's 1 MB message limit). Written only by the leading operator, by
// compare-and-set; read by every router replica (router/config/source-nats.ts).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RouterConfig } from './compiled.ts';

export const SNAPSHOT_KEY = 'snapshot';

export interface ConfigSnapshot {
  /** 1, 2, 3, … one more for each snapshot written. */
  revision: number;
  /** RouterConfig.hash: equal inputs give equal hashes, and an unchanged config is not written again. */
  hash: string;
  config: RouterConfig;
  /** ms since the epoch. */
  writtenAt: number;
}

export function encodeSnapshot(s: ConfigSnapshot): Uint8Array {
  return gzipSync(Buffer.from(JSON.stringify(s)));
}

/** Parses a stored snapshot (gzip or plain JSON); throws with the reason when it is not one. */
export function decodeSnapshot(data: Uint8Array): ConfigSnapshot {
  const buf = Buffer.from(data);
  const text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
  const s = JSON.parse(text) as Partial<ConfigSnapshot>;
  if (typeof s.revision !== 'number' || !Number.isInteger(s.revision) || s.revision < 1)
    throw new Error('snapshot has no valid revision');
  if (typeof s.hash !== 'string' || !s.config || typeof s.config !== 'object')
    throw new Error('snapshot has no hash or config');
  if (s.config.hash !== s.hash) throw new Error('snapshot hash does not match its config');
  if (typeof s.config.tenants !== 'object' || s.config.tenants === null)
    throw new Error('snapshot config has no tenants');
  return s as ConfigSnapshot;
}
