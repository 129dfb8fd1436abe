// Label matchers in Alertmanager syntax (`name="value"`, `!=`, `=~`, `!~`) and equality maps.
// Semantics follow Alertmanager: a missing label has the value "", regular expressions are fully anchored.
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
    try {
      new RegExp(`^(?:${value})$`);
    } catch (e) {
      throw new Error(
        `${text}: invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      );
    }
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

const regexCache = new Map<string, RegExp>();
function regex(value: string): RegExp {
  let re = regexCache.get(value);
  if (!re) {
    re = new RegExp(`^(?:${value})$`);
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(value, re);
  }
  return re;
}

export function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return regex(m.value).test(v);
    case '!~':
      return !regex(m.value).test(v);
  }
}

/** True when every matcher matches (an empty list matches everything). */
export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of ms) if (!matches(m, labels)) return false;
  return true;
}
