// The router against a real nats-server that requires credentials or TLS (configured from a file, as in
// production): it connects, sets up its streams and accepts an alert with user/password, an nkey, and TLS
// with a client certificate; with a wrong password it exits saying what to fix, never ready.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { nkeys } from '@nats-io/nats-core';
import { NatsServer } from '../harness/nats.ts';
import { copyConfig, RouterProcess, TOKENS } from '../harness/router.ts';
import { ROOT } from '../harness/tools.ts';

const JETSTREAM = 'jetstream { store_dir: "{{STORE}}" }';
const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function server(config: string): Promise<NatsServer> {
  const s = await NatsServer.startWithConfig(config);
  cleanup.push(() => s.close());
  return s;
}

async function router(url: string, env: Record<string, string>): Promise<RouterProcess> {
  const r = await RouterProcess.start(url, copyConfig(), [], env);
  cleanup.push(() => r.stop());
  return r;
}

/** Runs `switchboard router` until it exits (or 20 s pass: code null), with its output. */
async function exitOf(url: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin/switchboard.js'), 'router', '--config', copyConfig(), '--nats', url, '--listen', '127.0.0.1:0'],
    { env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  clearTimeout(timer);
  return { code, output };
}

async function acceptsAlert(r: RouterProcess): Promise<void> {
  const res = await fetch(`${r.url}/api/v1/alerts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.acme}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ fingerprint: `auth-${Date.now()}`, summary: 'auth', labels: { alertname: 'NatsAuth' } }]),
  });
  assert.equal(res.status, 202, await res.text());
}

describe('NATS authentication and TLS', { timeout: 120_000 }, () => {
  it('user/password: connects and accepts an alert; a wrong password exits with what to fix', async () => {
    const nats = await server(`${JETSTREAM}\nauthorization { user: sb, password: "c0rrect-h0rse" }`);
    const ok = await router(nats.url, { SWITCHBOARD_NATS_USER: 'sb', SWITCHBOARD_NATS_PASSWORD: 'c0rrect-h0rse' });
    await acceptsAlert(ok);
    assert.doesNotMatch(ok.output, /c0rrect-h0rse/);

    // A wrong password: the router exits 1 at once (never ready), saying what to fix, the password unprinted.
    const bad = await exitOf(nats.url, { SWITCHBOARD_NATS_USER: 'sb', SWITCHBOARD_NATS_PASSWORD: 'wr0ng-battery' });
    assert.equal(bad.code, 1, `the router gives up instead of retrying forever: ${bad.output}`);
    assert.match(bad.output, /refused the connection.*check the user\/password credentials \(SWITCHBOARD_NATS_\*\)/);
    assert.doesNotMatch(bad.output, /wr0ng-battery/);

    // No credentials at all: the message names the variables to set.
    const none = await exitOf(nats.url, {});
    assert.equal(none.code, 1, none.output);
    assert.match(none.output, /requires credentials: set SWITCHBOARD_NATS_USER and SWITCHBOARD_NATS_PASSWORD/);

    // Credentials in the URL work the same and never reach the log.
    const inUrl = await router(nats.url.replace('nats://', 'nats://sb:c0rrect-h0rse@'), {});
    await acceptsAlert(inUrl);
    assert.doesNotMatch(inUrl.output, /c0rrect-h0rse/);
  });

  it('nkey: connects with a seed file and accepts an alert', async () => {
    const user = nkeys.createUser();
    const dir = mkdtempSync(join(tmpdir(), 'sb-nkey-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const seedFile = join(dir, 'sb.nk');
    writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()), { mode: 0o600 });
    const nats = await server(`${JETSTREAM}\nauthorization { users: [ { nkey: ${user.getPublicKey()} } ] }`);
    const r = await router(nats.url, { SWITCHBOARD_NATS_NKEY_SEED_FILE: seedFile });
    await acceptsAlert(r);
  });

  it('TLS with a CA and a client certificate (verify): connects over tls:// and accepts an alert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const f = (n: string) => join(dir, n);
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=sb-test-ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    );
    for (const [name, ext] of [
      ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'],
      ['client', 'extendedKeyUsage=clientAuth'],
    ] as const) {
      writeFileSync(f(`${name}.ext`), `${ext}\n`);
      ssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=sb-${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      );
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        `${name}.pem`,
        '-extfile',
        `${name}.ext`,
      );
    }
    const nats = await server(
      `${JETSTREAM}\ntls { cert_file: "${f('server.pem')}", key_file: "${f('server.key')}", ca_file: "${f('ca.pem')}", verify: true }`,
    );
    const url = nats.url.replace('nats://', 'tls://');
    const r = await router(url, {
      SWITCHBOARD_NATS_TLS_CA_FILE: f('ca.pem'),
      SWITCHBOARD_NATS_TLS_CERT_FILE: f('client.pem'),
      SWITCHBOARD_NATS_TLS_KEY_FILE: f('client.key'),
    });
    await acceptsAlert(r);
  });
});
