import { readFileSync } from 'node:fs';
import type { Command } from './usage.ts';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
