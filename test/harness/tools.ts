import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of a tool installed by scripts/tools.sh; a clear error if it is missing. */
export function toolPath(name: string): string {
  const p = join(ROOT, '.tools', 'bin', name);
  if (!existsSync(p)) throw new Error(`${name} is not installed; run: scripts/tools.sh ${name}`);
  return p;
}
