import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './usage.ts';

/** The package version, from the nearest package.json above this file (source checkout or dist/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
    dir = dirname(dir);
  }
  return 'unknown';
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version',
  usage: 'Usage: switchboard version',
  async run() {
    console.log(`switchboard ${packageVersion()} (node ${process.version})`);
    return 0;
  },
};
