// `switchboard report` against a running test router (real nats-server): formats, output file, tokens from
// the flag and the environment, and the exit codes of each failure.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runReport } from '../../../cli/report.ts';
import { UsageError } from '../../../cli/usage.ts';
import type { RunningRouter } from '../../../router/main.ts';
import { NatsServer } from '../../harness/nats.ts';
import { freePort, waitFor } from '../../harness/ports.ts';
import { ADMIN_TOKEN, api, RESPONDER_TOKENS, startTestRouter, TOKENS } from '../../harness/router.ts';
import { ROOT } from '../../harness/tools.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
let now = T0;
let nats: NatsServer;
let router: RunningRouter;

/** Runs the CLI as its own process (asynchronously: the router answers from this one). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/switchboard.js'), 'report', ...args], {
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_ADMIN_TOKEN: '', SWITCHBOARD_URL: '', ...env },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Runs the command in this process (fast), capturing what it writes; a UsageError is exit code 2 (cli/main.ts). */
async function inProcess(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
    env,
  };
  try {
    return { code: await runReport(args, io), out, err };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out, err: `${err}${e.message}\n` };
    throw e;
  }
}

before(async () => {
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { clock: () => now });
  const acme = api(router.url, RESPONDER_TOKENS.acme);
  const r = await api(router.url, TOKENS.acme).post('/api/v1/alerts', {
    fingerprint: 'db',
    summary: 'DB down',
    severity: 'critical',
    labels: { alertname: 'DB', instance: 'db1' },
  });
  assert.equal(r.status, 202);
  const id = await waitFor(
    'incident',
    async () => (await acme.get('/api/v1/incidents?tenant=acme')).body.incidents?.[0]?.id,
  );
  now = T0 + 20 * 60_000; // acknowledged after 20 min: 5 min over the 15 min target
  assert.equal((await acme.post(`/api/v1/incidents/${id}/acknowledge`, { by: 'alice' })).status, 200);
  now = T0 + 3_600_000;
});
after(async () => {
  await router?.stop();
  await nats?.close();
});

const period = ['--tenant', 'acme', '--from', '2026-03-02', '--to', '2026-03-03'];

describe('switchboard report', () => {
  it('JSON on standard output, progress on standard error', async () => {
    const r = await cli([...period, '--url', router.url, '--token', ADMIN_TOKEN]);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.current.incidents, 1);
    assert.equal(report.current.from, '2026-03-02T00:00:00.000Z');
    assert.deepEqual(
      report.current.breaches.map((b: { kind: string; overrunSeconds: number }) => [b.kind, b.overrunSeconds]),
      [['respond', 300]],
    );
    assert.match(
      r.err,
      /reading acme 2026-03-02T00:00:00.000Z – 2026-03-03T00:00:00.000Z from http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.match(r.err, /done in/);
  });

  it('CSV and HTML to a file; the token and URL from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-report-'));
    const csv = join(dir, 'r.csv');
    const env = { SWITCHBOARD_ADMIN_TOKEN: RESPONDER_TOKENS.acme, SWITCHBOARD_URL: router.url };
    const r = await inProcess([...period, '--format', 'csv', '--output', csv, '--quiet'], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err, '');
    assert.match(readFileSync(csv, 'utf8'), /^"id","severity","title",/);
    const html = join(dir, 'r.html');
    const h = await inProcess([...period, '-f', 'html', '-o', html], env);
    assert.equal(h.code, 0, h.err);
    assert.match(readFileSync(html, 'utf8'), /<h2>Executive summary<\/h2>/);
    assert.match(h.err, /wrote .*r\.html \(\d+ bytes\)/);
  });

  it("exit 1 with the router's message when it refuses", async () => {
    const r = await inProcess([...period, '--url', router.url, '--token', RESPONDER_TOKENS.globex]);
    assert.equal(r.code, 1);
    assert.match(r.err, /the router answered 403: this token reads tenant globex only/);
    const u = await inProcess([
      '--tenant',
      'nobody',
      '--from',
      '2026-03-02',
      '--to',
      '2026-03-03',
      '--url',
      router.url,
      '--token',
      ADMIN_TOKEN,
    ]);
    assert.equal(u.code, 1);
    assert.match(u.err, /404: tenant nobody not found/);
    const bad = await inProcess([...period, '--url', router.url, '--token', 'wrong']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /401/);
    const dir = join(mkdtempSync(join(tmpdir(), 'sb-report-')), 'missing', 'r.json');
    const w = await inProcess([...period, '--url', router.url, '--token', ADMIN_TOKEN, '-o', dir]);
    assert.equal(w.code, 1);
    assert.match(w.err, /cannot write/);
    assert.equal(existsSync(dir), false);
  });

  it('exit 2 on usage errors, 3 when the router cannot be reached', async () => {
    for (const args of [
      ['--from', '2026-03-02', '--to', '2026-03-03', '--token', 'x'],
      ['--tenant', 'acme', '--from', 'yesterday', '--to', '2026-03-03', '--token', 'x'],
      [...period, '--format', 'pdf', '--token', 'x'],
      [...period],
    ]) {
      const r = await inProcess(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    }
    const usage = await cli([...period, '--bogus']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /Usage: switchboard report/);
    const port = await freePort();
    const r = await cli([...period, '--url', `http://127.0.0.1:${port}`, '--token', ADMIN_TOKEN]);
    assert.equal(r.code, 3);
    assert.match(r.err, new RegExp(`cannot reach the router at http://127.0.0.1:${port}: ECONNREFUSED`));
  });
});
