import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../harness/tools.ts';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('switchboard validate', () => {
  it('exits 0 for the example MSP', () => {
    const r = cli('validate', 'examples/msp');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^valid: 3 Tenant/);
  });

  it('exits 1 and lists every error with resource and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-validate-'));
    const text = readFileSync(join(ROOT, 'test/fixtures/config/minimal.yaml'), 'utf8')
      .replace('serviceLevel: gold', 'serviceLevel: platinum')
      .replace('respond: 15m', 'respond: 15min');
    writeFileSync(join(dir, 'broken.yaml'), text);
    const r = cli('validate', dir);
    assert.equal(r.code, 1);
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    // FILE:LINE:COLUMN of the field, as compilers print it, in file order.
    const lines = r.err.trim().split('\n');
    assert.match(
      lines[1] ?? '',
      new RegExp(
        `broken\\.yaml:${lineOf('respond: 15min')}:\\d+: ServiceLevel t/gold: spec\\.targets\\.critical\\.respond: must be a duration`,
      ),
    );
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `broken\\.yaml:${lineOf('serviceLevel: platinum')}:\\d+: Tenant t/acme: spec\\.serviceLevel: ServiceLevel "platinum" not found in namespace t$`,
      ),
    );
    assert.match(r.err, /2 errors; nothing was applied\./);
  });

  it('a GitOps repository without plaintext Secrets: each missing Secret once, as a warning with --skip-secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-validate-'));
    cpSync(join(ROOT, 'examples/msp'), dir, { recursive: true });
    rmSync(join(dir, 'secrets.yaml'));
    const strict = cli('validate', dir);
    assert.equal(strict.code, 1);
    // The ServiceNow channel needs three keys of one Secret: one error, not three.
    assert.equal(strict.err.match(/msp-servicenow-credentials/g)?.length, 1, strict.err);
    const channels = readFileSync(join(dir, 'channels.yaml'), 'utf8').split('\n');
    const refLine = channels.findIndex((l) => l.includes('name: msp-servicenow-credentials'));
    assert.match(
      strict.err,
      new RegExp(
        `channels\\.yaml:${refLine}:5: Channel msp/msp-servicenow: spec\\.servicenow\\.credentialsSecretRef: Secret "msp-servicenow-credentials" not found`,
      ),
    );

    const skipped = cli('validate', '--skip-secrets', dir);
    assert.equal(skipped.code, 0, skipped.err);
    assert.match(skipped.out, /^valid: 3 Tenant.*; 13 Secret references not checked$/m);
    assert.equal(skipped.err.match(/^warning: .*is not in the manifests \(skipped\)$/gm)?.length, 13, skipped.err);

    const json = JSON.parse(cli('validate', '--skip-secrets', '--output', 'json', dir).out) as {
      valid: boolean;
      warnings: { file: string; line: number; field: string }[];
    };
    assert.equal(json.valid, true);
    assert.ok(json.warnings.every((w) => w.file.endsWith('.yaml') && w.line > 0 && /secretRef$/i.test(w.field)));

    // A Secret that is there but lacks the key stays an error with --skip-secrets.
    writeFileSync(
      join(dir, 'secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata: {name: acme-tokens, namespace: msp}\nstringData: {other: x}\n',
    );
    const partial = cli('validate', '--skip-secrets', dir);
    assert.equal(partial.code, 1);
    assert.match(partial.err, /Secret "acme-tokens" has no key/);
  });

  it('reports YAML syntax errors with file and document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-validate-'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: [unclosed\n');
    const r = cli('validate', dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.yaml:\d+:\d+: /);
  });

  it('--output json for pipelines', () => {
    const r = cli('validate', '--output', 'json', 'test/fixtures/config/minimal.yaml');
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { valid: boolean; counts: Record<string, number>; hash: string };
    assert.equal(out.valid, true);
    assert.equal(out.counts['Tenant'], 1);
    assert.match(out.hash, /^[0-9a-f]{64}$/);
  });

  it('exits 2 on usage errors', () => {
    assert.equal(cli('validate').code, 2);
    assert.equal(cli('validate', '--bogus', 'x').code, 2);
    assert.equal(cli('validate', '/nonexistent/dir').code, 2);
    assert.equal(cli('frobnicate').code, 2);
  });

  it('has --help on every command', () => {
    for (const c of ['validate', 'crds', 'version']) {
      const r = cli(c, '--help');
      assert.equal(r.code, 0);
      assert.match(r.out, /^Usage: switchboard/);
    }
  });

  it('crds prints seven CustomResourceDefinitions', () => {
    const r = cli('crds');
    assert.equal(r.code, 0);
    assert.equal(r.out.match(/^kind: CustomResourceDefinition$/gm)?.length, 7);
  });
});
