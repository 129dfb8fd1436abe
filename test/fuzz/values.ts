// Hostile values for the fuzz tests: text with lone surrogates, NUL, bidi controls and astral characters,
// strings at and around the router's length limits, deep nesting, numbers JSON has trouble with, keys
// that name Object.prototype members, and mutations of real documents (a payload captured from a tool,
// or a manifest) at a random place in their tree.
import fc from 'fast-check';

/** One UTF-16 unit or character: mostly ASCII, often something a parser or an encoder can trip on. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyz_-.:/ 09AZ') },
  { weight: 2, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\u0000', // NUL
      '\u0007',
      '\t',
      '\r\n',
      '\u007f',
      '\u00a0', // no-break space
      '\u00e9', // é
      'e\u0301', // e + combining acute
      '\u05d0', // Hebrew alef (RTL)
      '\u0627', // Arabic alef (RTL)
      '\u202e', // right-to-left override
      '\u200f', // right-to-left mark
      '\u2066', // left-to-right isolate
      '\u200b', // zero width space
      '\ufeff', // BOM
      '\ufffd',
      '\uffff',
      '\ud800', // lone high surrogate
      '\udfff', // lone low surrogate
      '\ud83d\ude00', // an emoji (a valid pair)
      '\u{10ffff}',
      '"',
      '\\',
      '%',
      '{',
      '}',
      '<',
      '&',
      '=',
      ',',
      '*',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);

/** Short text made of {@link unit}s. */
export const nastyString = (maxLength = 24) => fc.string({ unit, maxLength });

/** Lengths at and around every limit in router/ingest/limits.ts, and beyond. */
const LIMIT_LENGTHS = [63, 64, 65, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 4097, 16_383, 16_384, 16_385, 70_000];

/** A long string: a limit's length (±1) of one repeated character, or repeated nasty text. */
export const longString = fc.oneof(
  fc
    .tuple(fc.constantFrom(...LIMIT_LENGTHS), fc.constantFrom('x', '\u00e9', '\ud83d\ude00', '\u0000', '/', '\ud800'))
    .map(([n, c]) => c.repeat(Math.ceil(n / c.length)).slice(0, n)),
  fc.tuple(nastyString(8), fc.integer({ min: 100, max: 5000 })).map(([s, n]) => (s || 'ab').repeat(n)),
);

/** Strings that mean something to one of the parsers or to JavaScript. */
export const trickyString = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '{EVENT.ID}',
  '*UNKNOWN*',
  '%sensorid',
  '%status',
  '0001-01-01T00:00:00Z',
  '2026-02-30T25:61:61Z',
  '9999-12-31T23:59:59.999999999+23:59',
  '-000001-01-01T00:00:00Z',
  '31.02.2026 25:00:00',
  '13/13/2026 13:00:00 PM',
  'Europe/Berlin',
  'Etc/GMT+14',
  'Mars/Olympus_Mons',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  `${'$'}{jndi:ldap://x/a}`,
  'firing',
  'resolved',
  'critical',
  'Down',
  'Paused',
  'http://' + '/'.repeat(20_000),
);

/** Any text: mostly short and nasty, sometimes meaningful, sometimes long. */
export const hostileString = fc.oneof(
  { weight: 5, arbitrary: nastyString() },
  { weight: 3, arbitrary: trickyString },
  { weight: 1, arbitrary: longString },
);

/** Numbers JSON carries but code often does not expect. */
export const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** `[[[...]]]` or `{"a":{"a":...}}`, `depth` levels deep, built without recursion. */
export function deepValue(depth: number, kind: 'array' | 'object', leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/**
 * A value too big to print in a counterexample (fast-check's printer recurses, and would overflow on
 * the nesting): generated as this placeholder, which {@link cloneJson} expands into the real value.
 */
export class Big {
  constructor(
    readonly what: 'deep-array' | 'deep-object' | 'wide-object',
    readonly size: number,
  ) {}
  build(): unknown {
    if (this.what === 'wide-object') {
      return wideObject(
        this.size,
        (i) => `k${i}`,
        (i) => `v${i}`,
      );
    }
    return deepValue(this.size, this.what === 'deep-array' ? 'array' : 'object');
  }
  [fc.toStringMethod](): string {
    return `Big(${this.what}, ${this.size})`;
  }
}

/** The JSON text of {@link deepValue}, built as text (JSON.stringify would overflow the stack). */
export function deepJson(depth: number, kind: 'array' | 'object', leaf = '1'): string {
  return kind === 'array'
    ? '['.repeat(depth) + leaf + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** An object with `count` entries named from `name(i)`. */
export function wideObject(count: number, name: (i: number) => string, value: (i: number) => unknown): unknown {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < count; i++)
    Object.defineProperty(o, name(i), { value: value(i), enumerable: true, writable: true, configurable: true });
  return o;
}

/**
 * A JSON value of any shape, with hostile strings and numbers, keys included (`__proto__` as an own key,
 * as JSON.parse makes it), now and then nested thousands deep or thousands wide.
 */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  {
    weight: 4,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => v as unknown),
  },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(fc.oneof(trickyString, nastyString(12)), fc.oneof(hostileString, hostileNumber), { maxKeys: 6 })
      .map((d) => JSON.parse(JSON.stringify(d)) as unknown),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('deep-array', 'deep-object') as fc.Arbitrary<'deep-array' | 'deep-object'>,
        fc.integer({ min: 100, max: 20_000 }),
      )
      .map(([what, depth]) => new Big(what, depth)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 3000 }).map((n) => new Big('wide-object', n)) },
);

// ---- deep-safe JSON ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * JSON.stringify without recursion, so a value nested 20,000 deep can be sent (JSON.stringify overflows
 * the stack). Same output as JSON.stringify for plain data: lone surrogates escaped, `__proto__` kept as
 * a key, undefined properties left out.
 */
export function toJson(value: unknown): string {
  const out: string[] = [];
  // A stack of things still to write: a value, or literal text (closing brackets, commas).
  const stack: ({ text: string } | { value: unknown })[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop() as { text: string } | { value: unknown };
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value instanceof Big ? item.value.build() : item.value;
    if (Array.isArray(v)) {
      out.push('[');
      stack.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i] === undefined ? null : v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
    } else if (isPlainObject(v)) {
      out.push('{');
      stack.push({ text: '}' });
      const keys = Object.keys(v).filter((k) => v[k] !== undefined);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: v[k] });
        stack.push({ text: `${JSON.stringify(k)}:` });
        if (i > 0) stack.push({ text: ',' });
      }
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}

/** A copy of plain data without recursion; other objects (Date, Map...) are shared, not copied. */
export function cloneJson<T>(value: T): T {
  const root = { v: value as unknown };
  const stack: [Record<string | number, unknown>, string | number][] = [[root as Record<string, unknown>, 'v']];
  while (stack.length > 0) {
    const [parent, key] = stack.pop() as [Record<string | number, unknown>, string | number];
    let v = parent[key];
    if (v instanceof Big) {
      v = v.build();
      setOwn(parent, key, v);
      continue;
    }
    if (Array.isArray(v)) {
      const copy = v.slice();
      parent[key] = copy;
      for (let i = 0; i < copy.length; i++) stack.push([copy as unknown as Record<number, unknown>, i]);
    } else if (isPlainObject(v)) {
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(v)) setOwn(copy, k, v[k]);
      Object.defineProperty(parent, key, { value: copy, enumerable: true, writable: true, configurable: true });
      for (const k of Object.keys(copy)) stack.push([copy, k]);
    }
  }
  return root.v as T;
}

// ---- mutating a document ----

type Path = (string | number)[];

/**
 * The paths of the first `limit` nodes of a JSON-like tree (the root is `[]`), objects' own keys and
 * arrays' indexes; a path is built from parent links only when asked for, so a deep tree costs O(n).
 */
export function pathsOf(root: unknown, limit = 2000): { count: number; path(i: number): Path } {
  const nodes: { parent: number; key: string | number }[] = [];
  const stack: [unknown, number, string | number][] = [[root, -1, '']];
  while (stack.length > 0 && nodes.length < limit) {
    const [v, parent, key] = stack.pop() as [unknown, number, string | number];
    const self = nodes.push({ parent, key }) - 1;
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push([v[i], self, i]);
    else if (isPlainObject(v)) for (const k of Object.keys(v)) stack.push([v[k], self, k]);
  }
  return {
    count: nodes.length,
    path(i: number): Path {
      const p: Path = [];
      for (let n = nodes[i % nodes.length]; n && n.parent >= 0; n = nodes[n.parent]) p.push(n.key);
      return p.reverse();
    },
  };
}

function getAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function setOwn(target: unknown, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** One change to a document, as data (so fast-check can shrink and print it). */
export type Mutation =
  | { op: 'set'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'swap'; at: number; with: number }
  | { op: 'wrap'; at: number; depth: number }
  | { op: 'stringify'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: hostileJson }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(trickyString, nastyString(10)),
      value: hostileJson,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 3000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('stringify' as const), at: fc.nat() }) },
);

/**
 * Applies `m` to `doc` in place and returns the (possibly new) root. Paths are picked modulo the number
 * of paths the document has at that moment, so every mutation lands somewhere.
 */
export function applyMutation(doc: unknown, m: Mutation): unknown {
  const paths = pathsOf(doc);
  const path = paths.path(m.at);
  const replace = (value: unknown): unknown => {
    if (path.length === 0) return value;
    setOwn(getAt(doc, path.slice(0, -1)), path[path.length - 1] as string | number, value);
    return doc;
  };
  const current = getAt(doc, path);
  switch (m.op) {
    case 'set':
      return replace(cloneJson(m.value));
    case 'delete': {
      if (path.length === 0) return undefined;
      const parent = getAt(doc, path.slice(0, -1));
      const key = path[path.length - 1] as string | number;
      if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
      else delete (parent as Record<string, unknown>)[key];
      return doc;
    }
    case 'add':
      if (current !== null && typeof current === 'object') {
        if (Array.isArray(current)) current.push(cloneJson(m.value));
        else setOwn(current, m.key, cloneJson(m.value));
        return doc;
      }
      return replace({ [m.key]: cloneJson(m.value) });
    case 'swap': {
      const other = paths.path(m.with);
      // Not into itself: a value moved inside its own subtree would make a cycle.
      if (other.length <= path.length || other.slice(0, path.length).some((k, i) => k !== path[i])) {
        return replace(cloneJson(getAt(doc, other)));
      }
      return doc;
    }
    case 'wrap':
      return replace(deepValue(m.depth, m.depth % 2 === 0 ? 'array' : 'object', current));
    case 'stringify':
      return replace(typeof current === 'string' ? current : toJson(current));
  }
}

/** `doc` (cloned) with every mutation applied in order. */
export function mutate(doc: unknown, mutations: readonly Mutation[]): unknown {
  let out = cloneJson(doc);
  for (const m of mutations) out = applyMutation(out, m);
  return out;
}
