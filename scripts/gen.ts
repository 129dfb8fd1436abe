// Writes the generated files (crds/*.yaml, docs/crds.md). With --check, compares instead and exits 1
// on a difference, so CI catches a schema change whose generated files were not regenerated.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../router/config/generated-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of Object.entries(generatedFiles())) {
  const full = join(root, path);
  const current = existsSync(full) ? readFileSync(full, 'utf8') : null;
  if (current === text) continue;
  if (check) {
    console.error(`${path} is out of date; run: npm run gen`);
    stale++;
  } else {
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
