#!/usr/bin/env node
// Entry point. The container image has only the compiled dist/ (no TypeScript sources): run that.
// A checkout runs the sources through tsx, unless SWITCHBOARD_USE_DIST=1 asks for the build (make bench
// measures the compiled code, as production runs it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'cli', 'main.ts');
if (existsSync(built) && (!existsSync(source) || process.env.SWITCHBOARD_USE_DIST === '1')) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
