// Reading manifests: files or folders (recursive) of multi-document YAML, as `kubectl apply -f` would.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { type Document, isCollection, LineCounter, parseAllDocuments } from 'yaml';

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
  /** Files that could not be read or parsed, with the reason (and the line, where the parser gave one). */
  errors: { source: string; message: string; line?: number; column?: number }[];
  /** Where a field of a loaded resource is written: `locate('a.yaml#2', 'spec.routes[0]')`. */
  locate: Locator;
}

/** Line and column (1-based) of a resource's field, of the nearest enclosing field found, or null. */
export type Locator = (
  source: string | undefined,
  field: string,
) => { file: string; line: number; column: number } | null;

/** `spec.routes[0].matchers[1]` -> ['spec', 'routes', 0, 'matchers', 1]. */
export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

function docLocator(file: string, doc: Document, lines: LineCounter, prefix: (string | number)[]) {
  return (field: string) => {
    const path = [...prefix, ...fieldPath(field)];
    // The deepest node on the path that exists: a missing field is reported where its parent is written.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (!range) continue;
      // A collection's range starts at its first entry; the key line above it is where the field is named.
      const parent = n > 0 && isCollection(node) ? doc.getIn(path.slice(0, n - 1), true) : null;
      let at = range[0];
      if (isCollection(parent)) {
        const pair = (parent.items as { key?: { range?: number[]; value?: unknown } }[]).find(
          (p) => p?.key && (p.key.value ?? p.key) === path[n - 1],
        );
        if (pair?.key?.range?.[0] !== undefined) at = pair.key.range[0];
      }
      const pos = lines.linePos(at);
      return { file, line: pos.line, column: pos.col };
    }
    return null;
  };
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
  const locators = new Map<string, (field: string) => ReturnType<Locator>>();
  const locate: Locator = (src, field) => (src === undefined ? null : (locators.get(src)?.(field) ?? null));
  const lines = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { prettyErrors: true, lineCounter: lines });
  } catch (e) {
    // The parser recurses per nesting level: a few KiB of `: : : ...` overflow the stack.
    return { resources, errors: [{ source: `${source}#1`, message: (e as Error).message }], locate };
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${source}#${i + 1}`;
    if (doc.errors.length > 0) {
      const first = doc.errors[0]?.linePos?.[0];
      errors.push({
        source: where,
        message: doc.errors.map((e) => e.message.split('\n')[0]).join('; '),
        ...(first ? { line: first.line, column: first.col } : {}),
      });
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
        if (item && typeof item === 'object') {
          resources.push({ ...(item as Resource), source: `${where}.items[${j}]` });
          locators.set(`${where}.items[${j}]`, docLocator(source, doc, lines, ['items', j]));
        }
      });
      return;
    }
    resources.push({ ...r, source: where });
    locators.set(where, docLocator(source, doc, lines, []));
  });
  return { resources, errors, locate };
}

export function loadManifests(paths: string[]): LoadResult {
  const locators: Locator[] = [];
  const out: LoadResult = {
    resources: [],
    errors: [],
    locate: (src, field) => {
      for (const l of locators) {
        const at = l(src, field);
        if (at) return at;
      }
      return null;
    },
  };
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
      locators.push(r.locate);
    }
  }
  return out;
}
