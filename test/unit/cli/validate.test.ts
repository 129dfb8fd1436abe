import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    assert.match(
      r.err,
      /Tenant t\/acme: spec\.serviceLevel: ServiceLevel "platinum" not found in namespace t \(.*broken\.yaml#2\)/,
    );
    assert.match(r.err, /ServiceLevel t\/gold: spec\.targets\.critical\.respond: must be a duration/);
    assert.match(r.err, /2 errors; nothing was applied\./);
  });

  it('reports YAML syntax errors with file and document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-validate-'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: [unclosed\n');
    const r = cli('validate', dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.yaml#1: /);
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
