// Reading manifests: files or folders (recursive) of multi-document YAML, as `kubectl apply -f` would.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface Resource {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; generation?: unknown; [k: string]: unknown };
  spec?: unknown;
  data?: unknown;
  stringData?: unknown;
  /** Where the document came from, for messages (`examples/msp/tenants.yaml#2`). */
  source?: string;
  [k: string]: unknown;
}

export interface LoadResult {
  resources: Resource[];
  /** Files that could not be read or parsed, with the reason. */
  errors: { source: string; message: string }[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export function listManifestFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...listManifestFiles(full));
    else if (MANIFEST_EXTENSIONS.has(extname(entry.name))) out.push(full);
  }
  return out;
}

/** Parses one file's text; every document (also `kind: List` items) becomes a resource. */
export function parseManifests(text: string, source: string): LoadResult {
  const resources: Resource[] = [];
  const errors: LoadResult['errors'] = [];
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { prettyErrors: true });
  } catch (e) {
    // The parser recurses per nesting level: a few KiB of `: : : ...` overflow the stack.
    return { resources, errors: [{ source: `${source}#1`, message: (e as Error).message }] };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${source}#${i + 1}`;
    if (doc.errors.length > 0) {
      errors.push({ source: where, message: doc.errors.map((e) => e.message.split('\n')[0]).join('; ') });
      return;
    }
    let value: unknown;
    try {
      // Throws for what the parser lets through: an alias to an undefined anchor (`a: *x`), and
      // "excessive alias count" (a billion-laughs document).
      value = doc.toJS();
    } catch (e) {
      errors.push({ source: where, message: (e as Error).message.split('\n')[0] ?? String(e) });
      return;
    }
    if (value === null || value === undefined) return; // empty document
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ source: where, message: 'a manifest must be a mapping with apiVersion, kind and metadata' });
      return;
    }
    const r = value as Resource;
    if (r.kind === 'List' && Array.isArray(r['items'])) {
      (r['items'] as unknown[]).forEach((item, j) => {
        if (item && typeof item === 'object') resources.push({ ...(item as Resource), source: `${where}.items[${j}]` });
      });
      return;
    }
    resources.push({ ...r, source: where });
  });
  return { resources, errors };
}

export function loadManifests(paths: string[]): LoadResult {
  const out: LoadResult = { resources: [], errors: [] };
  for (const p of paths) {
    let files: string[];
    try {
      files = listManifestFiles(p);
    } catch (e) {
      out.errors.push({
        source: p,
        message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      });
      continue;
    }
    for (const f of files) {
      const r = parseManifests(readFileSync(f, 'utf8'), f);
      out.resources.push(...r.resources);
      out.errors.push(...r.errors);
    }
  }
  return out;
}
