// Matchers run user-supplied regular expressions: RE2 syntax, fully anchored, linear time (security review H1),
// and read labels as own properties only (L15).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matches, parseMatcher, regexProblem } from '../../../router/config/matchers.ts';

const test = (text: string, labels: Record<string, string>): boolean => matches(parseMatcher(text), labels);

describe('regex matchers', () => {
  it('accept the (?i) flag like Alertmanager', () => {
    assert.equal(test('alertname=~"(?i)diskfull"', { alertname: 'DiskFull' }), true);
    assert.equal(test('alertname=~"diskfull"', { alertname: 'DiskFull' }), false);
  });

  it('accept RE2 syntax: Unicode classes, named groups, POSIX classes', () => {
    assert.equal(test('team=~"\\\\pL+"', { team: 'Équipe' }), true);
    assert.equal(test('team=~"(?P<t>ops|dev)"', { team: 'dev' }), true);
    assert.equal(test('team=~"[[:digit:]]+"', { team: '42' }), true);
  });

  it('are fully anchored', () => {
    assert.equal(test('job=~"api"', { job: 'api-server' }), false);
    assert.equal(test('job=~"api|db"', { job: 'xdb' }), false);
    assert.equal(test('job=~"api|db"', { job: 'db' }), true);
    assert.equal(test('job!~"api.*"', { job: 'api-server' }), false);
  });

  it('refuse backreferences and lookaround with a clear error', () => {
    assert.throws(() => parseMatcher('a=~"(x)\\\\1"'), /RE2 syntax.*backreferences/);
    assert.throws(() => parseMatcher('a=~"(?=x)x"'), /RE2 syntax.*lookahead/);
    assert.throws(() => parseMatcher('a=~"(?<!x)y"'), /RE2 syntax.*lookahead and lookbehind/);
  });

  it('refuse malformed patterns without engine internals, including one that escapes the anchoring group', () => {
    assert.throws(
      () => parseMatcher('a=~"["'),
      (e: Error) => /missing closing \]/.test(e.message) && !/\^\(\?:/.test(e.message),
    );
    assert.throws(() => parseMatcher('a=~"x)|(y"'), /invalid regular expression/);
    assert.equal(regexProblem('x)|(y') !== undefined, true);
  });

  it('run in linear time on the H1 pattern', () => {
    // With a backtracking engine this never finishes; the test is bounded by the runner's timeout, not a clock.
    assert.equal(test('alertname=~"(a+)+"', { alertname: `${'a'.repeat(4000)}!` }), false);
    assert.equal(test('alertname=~"(a+)+"', { alertname: 'a'.repeat(100_000) }), true);
  });
});

describe('label lookup', () => {
  it('treats a missing label as ""', () => {
    assert.equal(test('severity=""', {}), true);
    assert.equal(test('severity=~"|warning"', {}), true);
    assert.equal(test('severity!=""', {}), false);
  });

  it('treats prototype names as ordinary label names', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(test(`${name}=""`, {}), true, name);
      assert.equal(test(`${name}=~".+"`, {}), false, name);
      const labels = JSON.parse(`{"${name}":"x"}`) as Record<string, string>;
      assert.equal(test(`${name}="x"`, labels), true, name);
    }
  });
});

describe('literal alternations (set fast path)', () => {
  it('match exactly their alternatives, like the anchored regex', () => {
    for (const [value, ok] of [
      ['db', true],
      ['api', true],
      ['ap', false],
      ['api|db', false],
      ['', false],
      ['xdb', false],
    ] as const) {
      assert.equal(test('job=~"api|db|web-1"', { job: value }), ok, value);
      assert.equal(test('job!~"api|db|web-1"', { job: value }), !ok, value);
    }
    assert.equal(test('job=~"web-1"', { job: 'web-1' }), true);
  });
});
