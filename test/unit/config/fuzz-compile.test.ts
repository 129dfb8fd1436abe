// Fuzzing the manifest compiler (issue #9, "Hostile input"): the example MSP and the test configs,
// mutated at random places (values of any type, deep nesting, limit-sized and unicode strings, keys
// such as __proto__, fields deleted, duplicated or swapped), and their YAML text mutated before parsing.
// compile() must never throw, and must return either a config or errors that each name
// `Kind namespace/name: field: message`. It must also leave its input alone and give the same answer
// twice. Seed: FUZZ_SEED (test/fuzz/options.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConfigError } from '../../../router/config/compile/context.ts';
import { type CompileResult, compile, formatConfigError } from '../../../router/config/compile/index.ts';
import { listManifestFiles, loadManifests, parseManifests, type Resource } from '../../../router/config/manifest.ts';
import { check } from '../../fuzz/options.ts';
import { cloneJson, hostileString, type Mutation, mutate, mutation, toJson } from '../../fuzz/values.ts';
import { ROOT } from '../../harness/tools.ts';
import { type AnySpec, minimalResources } from './helpers.ts';

/** Manifest sets that compile as they are. */
const SETS = ['examples/msp', 'test/fixtures/router', 'test/fixtures/config', 'test/fixtures/status'];

/** Each set's resources without their `source` (a mutation should hit the manifest, not the loader's note). */
const resources = new Map(
  SETS.map((set) => {
    const loaded = loadManifests([join(ROOT, set)]);
    assert.deepEqual(loaded.errors, [], set);
    return [set, loaded.resources.map(({ source: _source, ...r }) => r as Resource)];
  }),
);

/** Each set's YAML files, as text. */
const texts = SETS.flatMap((set) =>
  listManifestFiles(join(ROOT, set)).map((file) => ({
    file: file.slice(ROOT.length + 1),
    text: readFileSync(file, 'utf8'),
  })),
);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** What a mutated set of resources gives the compiler: the objects (as the loader and the operator give). */
function asResources(doc: unknown): Resource[] {
  const list = Array.isArray(doc) ? doc : [doc];
  return list.filter(isObject).map((r, i) => Object.assign(r, { source: `fuzz#${i + 1}` }) as Resource);
}

/** An error that names what it is about: `Kind namespace/name: field: message`. */
function assertWellFormed(e: ConfigError): void {
  const text = formatConfigError({ ...e, source: undefined });
  for (const part of ['kind', 'namespace', 'name', 'message'] as const) {
    assert.equal(typeof e[part], 'string', `${part} of ${text}`);
    assert.ok(e[part].length > 0, `empty ${part}: ${text}`);
  }
  assert.equal(typeof e.field, 'string', text);
  // The whole-document error ("not a Kubernetes manifest") is the only one about no particular field.
  if (e.field === '') assert.match(e.message, /not a Kubernetes manifest/, text);
  assert.ok(
    text.startsWith(`${e.kind} ${e.namespace}/${e.name}: ${e.field ? `${e.field}: ` : ''}`),
    `not "Kind ns/name: field: message": ${text}`,
  );
  assert.doesNotMatch(text, /\[object Object\]/, `a value shown as [object Object]: ${text}`);
}

function assertConfigOrErrors(r: CompileResult): void {
  if (r.ok) {
    assert.match(r.config.hash, /^[0-9a-f]{64}$/);
    assert.ok(isObject(r.config.tenants));
    return;
  }
  assert.ok(r.errors.length > 0, 'not ok, yet no errors');
  for (const e of r.errors) assertWellFormed(e);
}

/** compile(), which must not throw, must not change its input, and must give the same answer twice. */
function compileChecked(input: Resource[]): CompileResult {
  const before = toJson(input);
  const again = cloneJson(input);
  const r = compile(input);
  assert.equal(toJson(input), before, 'compile() changed its input');
  assertConfigOrErrors(r);
  const r2 = compile(again);
  assert.equal(r2.ok, r.ok);
  if (r.ok && r2.ok) assert.equal(r2.config.hash, r.config.hash);
  if (!r.ok && !r2.ok) assert.deepEqual(r2.errors.map(formatConfigError), r.errors.map(formatConfigError));
  return r;
}

describe('compile() on mutated manifests', () => {
  it('every base set compiles (else the mutations below would start from errors)', () => {
    for (const [set, rs] of resources) {
      const r = compile(rs);
      assert.ok(r.ok, `${set}: ${!r.ok && r.errors.map(formatConfigError).join('\n')}`);
    }
  });

  it('mutated values, fields and resources: a config, or errors naming Kind ns/name: field: message', () => {
    const outcomes = { ok: 0, errors: 0 };
    check(
      fc.property(
        fc.constantFrom(...SETS),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (set, mutations: Mutation[]) => {
          const r = compileChecked(asResources(mutate(resources.get(set), mutations)));
          outcomes[r.ok ? 'ok' : 'errors']++;
        },
      ),
      400,
    );
    // Both answers occur, so the mutations are neither all harmless nor all fatal.
    assert.ok(outcomes.ok > 0 && outcomes.errors > 0, JSON.stringify(outcomes));
  });

  it('mutations of one resource in a set: the errors are about that resource, or about what refers to it', () => {
    check(
      fc.property(
        fc.constantFrom(...SETS),
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (set, pick, mutations: Mutation[]) => {
          const rs = cloneJson(resources.get(set) as Resource[]);
          const i = pick % rs.length;
          const target = rs[i] as Resource;
          // Keep its identity: errors are then attributable to it.
          const { apiVersion, kind, metadata } = target;
          const changed = mutate(target, mutations);
          if (!isObject(changed)) return;
          Object.assign(changed, {
            apiVersion,
            kind,
            metadata: { ...(isObject(changed['metadata']) ? changed['metadata'] : {}), ...metadata },
          });
          rs[i] = changed as Resource;
          const r = compileChecked(asResources(rs));
          if (r.ok) return;
          const name = String(metadata?.name);
          const others = rs.filter((_, j) => j !== i);
          for (const e of r.errors) {
            const aboutTarget = e.kind === kind && e.name === name;
            // Another resource may fail a reference to it, or share its name / token.
            const aboutOther = others.some((o) => o.kind === e.kind && o.metadata?.name === e.name);
            assert.ok(aboutTarget || aboutOther, `error about a resource that was not there: ${formatConfigError(e)}`);
          }
        },
      ),
      250,
    );
  });

  it('mutated YAML text: the loader reports what it cannot parse, compile() the rest, nothing throws', () => {
    const TOKENS = [
      '&a ',
      '*a',
      '*undefined_anchor',
      '<<: *a\n',
      '!!binary ',
      '!!set ',
      '!!omap ',
      '!!timestamp ',
      '!!float ',
      '!!str ',
      '!custom ',
      '? ',
      '- ',
      ': ',
      '\t',
      '{',
      '}',
      '[',
      ']',
      '"',
      "'",
      '|\n',
      '>-\n',
      '---\n',
      '...\n',
      '%YAML 1.1\n',
      '%TAG ! tag:x,2000:\n',
      '.nan',
      '.inf',
      '-.inf',
      '~',
      'null',
      '0x1F',
      '0o17',
      '1_000',
      '12:30:00',
      'yes',
      '\u0000',
      '\ud800',
      '\u202e',
      '\ufeff',
      '#',
      '__proto__: {polluted: true}\n',
      'kind: List\nitems: [1, null, {kind: Tenant}]\n',
    ];
    const edit = fc.oneof(
      fc.record({
        op: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.oneof(fc.constantFrom(...TOKENS), hostileString),
      }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 400 }) }),
    );
    check(
      fc.property(
        fc.constantFrom(...texts),
        fc.array(edit, { minLength: 1, maxLength: 5 }),
        ({ file, text }, edits) => {
          let t = text;
          for (const e of edits) {
            const at = e.at % (t.length + 1);
            if (e.op === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
            else if (e.op === 'delete') t = t.slice(0, at) + t.slice(at + e.length);
            else t = t.slice(0, at) + t.slice(at, at + e.length) + t.slice(at);
          }
          const loaded = parseManifests(t, file);
          for (const e of loaded.errors) {
            assert.ok(e.source.startsWith(`${file}#`), e.source);
            assert.ok(typeof e.message === 'string' && e.message.length > 0, JSON.stringify(e));
          }
          compileChecked(loaded.resources);
        },
      ),
      300,
    );
  });

  it('YAML the parser accepts but cannot build is a load error, not an exception', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 7; i++) {
      laughs.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    for (const [name, text] of [
      ['an alias to no anchor', 'apiVersion: v1\nkind: Secret\nmetadata: {name: *nope}\n'],
      ['a billion laughs', laughs.join('\n')],
    ] as const) {
      const loaded = parseManifests(text, 'bad.yaml');
      assert.equal(loaded.resources.length, 0, name);
      assert.equal(loaded.errors.length, 1, name);
      assert.equal(loaded.errors[0]?.source, 'bad.yaml#1', name);
    }
  });
});

/** What fuzzing found, kept as plain cases so the default seed checks them too. */
describe('compile() on inputs fuzzing found', () => {
  const errorsOf = (rs: Resource[]) => {
    const r = compileChecked(rs);
    return r.ok ? [] : r.errors.map((e) => formatConfigError({ ...e, source: undefined }));
  };
  const edit = (kind: string, change: (r: Resource) => void) => {
    const rs = minimalResources();
    for (const r of rs) if (r.kind === kind) change(r);
    return rs;
  };
  const spec = (r: Resource) => r.spec as AnySpec;
  // A one-off maintenance window without its own time zone is read in its tenant's.
  const windowInTenantZone = (r: Resource) => {
    delete spec(r).recurrence;
    Object.assign(spec(r), { start: '2026-12-24T22:00', end: '2026-12-25T02:00' });
  };

  it('an apiVersion nested deep (was: RangeError from Array#toString)', () => {
    const rs = edit('Tenant', (r) => {
      r.apiVersion = cloneJson(JSON.parse(`${'['.repeat(5000)}"x"${']'.repeat(5000)}`));
    });
    assert.ok(errorsOf(rs).some((e) => /^Tenant t\/acme: apiVersion: must be a string/.test(e)));
  });

  it('a tenant with spec: null and its maintenance window (was: TypeError reading timezone)', () => {
    const rs = edit('Tenant', (r) => {
      r.spec = null;
    });
    for (const r of rs) if (r.kind === 'MaintenanceWindow') windowInTenantZone(r);
    assert.ok(errorsOf(rs).includes('Tenant t/acme: spec: must be an object'), errorsOf(rs).join('\n'));
  });

  it("a tenant's unknown time zone, used by its maintenance window (was: RangeError from Intl)", () => {
    const rs = edit('Tenant', (r) => {
      spec(r).timezone = 'businessHours';
    });
    for (const r of rs) if (r.kind === 'MaintenanceWindow') windowInTenantZone(r);
    assert.ok(
      errorsOf(rs).some((e) => e.startsWith('Tenant t/acme: spec.timezone: ')),
      errorsOf(rs).join('\n'),
    );
  });

  it('a secret key named like an Object.prototype member (was: TypeError hashing a function)', () => {
    for (const key of ['constructor', 'hasOwnProperty', '__proto__']) {
      const rs = edit('Tenant', (r) => {
        spec(r).ingestTokenSecretRef.key = key;
      });
      assert.ok(
        errorsOf(rs).some((e) =>
          e.startsWith(`Tenant t/acme: spec.ingestTokenSecretRef: Secret "acme-tokens" has no key "${key}"`),
        ),
        `${key}: ${errorsOf(rs).join('\n')}`,
      );
    }
  });

  it('YAML nested a few thousand levels deep (was: RangeError out of the YAML parser)', () => {
    const loaded = parseManifests(`${': '.repeat(5000)}apiVersion: v1\nkind: Secret\n`, 'deep.yaml');
    assert.equal(loaded.resources.length, 0);
    assert.equal(loaded.errors[0]?.source, 'deep.yaml#1');
  });
});
