import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/tools.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  engines: { node: string };
};

describe('package', () => {
  it('LICENSE is the licence package.json and the chart declare', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    assert.match(text, /^\s*Apache License\s+Version 2\.0, January 2004/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
  });

  it('engines name the Node.js major that scripts/tools.sh pins and the tests run on', () => {
    const pinned = /^NODE_VERSION=(\d+)\./m.exec(readFileSync(join(ROOT, 'scripts/tools.sh'), 'utf8'))?.[1];
    assert.ok(pinned, 'scripts/tools.sh pins NODE_VERSION');
    assert.equal(pkg.engines.node, `>=${pinned}`);
    assert.equal(process.versions.node.split('.')[0], pinned, 'make test runs on the pinned Node.js');
  });

  for (const flag of ['--version', '-V', 'version']) {
    it(`switchboard ${flag} prints the version`, () => {
      const out = execFileSync(process.execPath, [join(ROOT, 'bin/switchboard.js'), flag], { encoding: 'utf8' });
      assert.equal(out.trim(), `switchboard ${pkg.version} (node ${process.version})`);
    });
  }
});
