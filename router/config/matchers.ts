// Label matchers in Alertmanager syntax (`name="value"`, `!=`, `=~`, `!~`) and equality maps.
// Semantics follow Alertmanager: a missing label has the value "", regular expressions use RE2 syntax and are
// fully anchored. Patterns come from users (silences, CRDs), so they run on re2js: linear time in the input,
// no catastrophic backtracking (security review H1), and constructs RE2 cannot run in linear time
// (backreferences, lookaround) are refused at parse time.
import { RE2JS } from 're2js';
import type { Matcher, MatchOp } from './compiled.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/** Parses one matcher string; throws Error with a message saying what is wrong. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) {
    throw new Error(`${text} is not a matcher; write name="value", name!="value", name=~"regex" or name!~"regex"`);
  }
  const name = m[1] as string;
  const op = m[2] as MatchOp;
  let value = m[3] as string;
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"') || value.endsWith('\\"')) {
      throw new Error(`${text}: the quoted value is not closed`);
    }
    value = unquote(value.slice(1, -1));
  } else if (/["\s,{}]/.test(value)) {
    throw new Error(`${text}: quote a value that contains spaces, quotes, commas or braces`);
  }
  if (op === '=~' || op === '!~') {
    const problem = regexProblem(value);
    if (problem) throw new Error(`${text}: invalid regular expression (RE2 syntax): ${problem}`);
  }
  return { name, op, value };
}

function unquote(s: string): string {
  return s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function equalityMatchers(map: Record<string, string> | undefined): Matcher[] {
  // By label name: a map has no order, and an API server returns its keys sorted while a file keeps
  // them as written; the compiled config (and its hash) must not depend on which it came from.
  return Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, op: '=' as const, value }));
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

/** Why `pattern` is not a valid RE2 expression, or undefined when it is. */
export function regexProblem(pattern: string): string | undefined {
  try {
    // Alone first: an unbalanced pattern such as `a)|(b` must not pass by closing the anchoring group.
    RE2JS.compile(pattern);
    RE2JS.compile(anchored(pattern));
    return undefined;
  } catch (e) {
    if (/\\[1-9]/.test(pattern)) return 'backreferences (\\1...) are not supported';
    if (/\(\?<?[=!]/.test(pattern)) return 'lookahead and lookbehind are not supported';
    return (e as Error).message.replace(/^error parsing regexp: /, '');
  }
}

function anchored(pattern: string): string {
  return `^(?:${pattern})$`;
}

/** Compiled pattern: a full-match test. */
type Pattern = { matches(input: string): boolean };

// Literal alternations (`api|db|web`) are the common case and ~20x faster as a set lookup than on re2js;
// anchored, such a pattern matches exactly its alternatives, so the set preserves RE2 semantics.
const LITERAL_ALTERNATION = /^[A-Za-z0-9_-]+(?:\|[A-Za-z0-9_-]+)*$/;

function compilePattern(value: string): Pattern {
  if (LITERAL_ALTERNATION.test(value)) {
    const words = new Set(value.split('|'));
    return { matches: (input) => words.has(input) };
  }
  // Parsed matchers were validated; a stored pattern that no longer compiles matches nothing rather than crash.
  if (regexProblem(value) !== undefined) return { matches: () => false };
  return RE2JS.compile(anchored(value));
}

// Bounded: patterns come from config and silences, but a flood of distinct silences must not grow it forever.
const REGEX_CACHE_LIMIT = 10_000;
const regexCache = new Map<string, Pattern>();
function regex(value: string): Pattern {
  let re = regexCache.get(value);
  if (!re) {
    re = compilePattern(value);
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regexCache.set(value, re);
  }
  return re;
}

/** The label's value; a missing label is "" (Alertmanager). Own properties only: `constructor` is a label name. */
function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labelValue(labels, m.name);
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return regex(m.value).matches(v);
    case '!~':
      return !regex(m.value).matches(v);
  }
}

/** True when every matcher matches (an empty list matches everything). */
export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of ms) if (!matches(m, labels)) return false;
  return true;
}
