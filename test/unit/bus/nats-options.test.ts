// NATS connection settings from --nats, the SWITCHBOARD_NATS_* variables and flags: what is sent, what is
// refused (naming the variable and path), what may be logged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nkeys } from '@nats-io/nats-core';
import { explainConnectError, NatsAuthError } from '../../../router/bus/connection.ts';
import {
  NatsOptionsError,
  natsAuthSource,
  natsConnectSettings,
  type ReadFile,
  redactUserInfo,
} from '../../../router/bus/nats-options.ts';
import { busStorageFromEnv, parseBytes, splitStorageBudget } from '../../../router/bus/storage-budget.ts';

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
const CREDS = `-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;

function files(contents: Record<string, string>): ReadFile {
  return (path) => {
    const text = contents[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return Buffer.from(text);
  };
}
const none = files({});
const refused = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: Error) => e instanceof NatsOptionsError && re.test(e.message));

describe('natsConnectSettings', () => {
  it('passes a plain URL list through, without auth or TLS', () => {
    const s = natsConnectSettings('nats://a:4222, nats://b:4222', {}, none);
    assert.deepEqual(s.servers, ['nats://a:4222', 'nats://b:4222']);
    assert.equal(s.user, undefined);
    assert.equal(s.tls, undefined);
    assert.deepEqual(s.summary, { servers: ['nats://a:4222', 'nats://b:4222'], auth: 'none', tls: false });
  });

  it('takes user:pass from the URL and keeps it out of the servers and the summary', () => {
    const s = natsConnectSettings('nats://sb:p%40ss@nats:4222', {}, none);
    assert.equal(s.user, 'sb');
    assert.equal(s.pass, 'p@ss');
    assert.deepEqual(s.servers, ['nats://nats:4222']);
    assert.doesNotMatch(JSON.stringify(s.summary), /p@ss|p%40ss|sb@/);
    assert.equal(s.summary.auth, 'user/password');
  });

  it('reads user info without a password as a token', () => {
    const s = natsConnectSettings('nats://s3cr3t@nats:4222', {}, none);
    assert.equal(s.token, 's3cr3t');
    assert.equal(s.summary.auth, 'token');
  });

  it('takes user/password and token from the variables', () => {
    const up = natsConnectSettings(
      'nats://n:4222',
      { SWITCHBOARD_NATS_USER: 'u', SWITCHBOARD_NATS_PASSWORD: 'p' },
      none,
    );
    assert.deepEqual([up.user, up.pass], ['u', 'p']);
    const t = natsConnectSettings('nats://n:4222', { SWITCHBOARD_NATS_TOKEN: 't' }, none);
    assert.equal(t.token, 't');
  });

  it('refuses half a user/password pair, naming the missing variable', () => {
    refused(() => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_USER: 'u' }, none), /SWITCHBOARD_NATS_PASSWORD/);
    refused(() => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_PASSWORD: 'p' }, none), /SWITCHBOARD_NATS_USER/);
  });

  it('refuses two ways to authenticate', () => {
    refused(
      () => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_TOKEN: 't', SWITCHBOARD_NATS_CREDS_FILE: '/c' }, none),
      /several ways \(token, creds\)/,
    );
    refused(() => natsConnectSettings('nats://u:p@n:4222', { SWITCHBOARD_NATS_TOKEN: 't' }, none), /keep one/);
  });

  it('names the variable and the path of a file it cannot read', () => {
    refused(
      () => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_CREDS_FILE: '/etc/nats/sb.creds' }, none),
      /^SWITCHBOARD_NATS_CREDS_FILE: cannot read \/etc\/nats\/sb\.creds \(ENOENT\)$/,
    );
    refused(
      () => natsConnectSettings('tls://n:4222', { SWITCHBOARD_NATS_TLS_CA_FILE: '/ca.pem' }, none),
      /SWITCHBOARD_NATS_TLS_CA_FILE: cannot read \/ca\.pem/,
    );
  });

  it('builds an nkey or creds authenticator from a valid file and refuses one that is not', () => {
    const n = natsConnectSettings(
      'n:4222',
      { SWITCHBOARD_NATS_NKEY_SEED_FILE: '/seed' },
      files({ '/seed': `${seed}\n` }),
    );
    assert.equal(typeof n.authenticator, 'function');
    assert.equal(n.summary.auth, 'nkey');
    const nonce = 'abc';
    const answer = n.authenticator?.(nonce) as { nkey: string; sig: string };
    assert.equal(answer.nkey, nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey());
    refused(
      () => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_NKEY_SEED_FILE: '/seed' }, files({ '/seed': 'hello' })),
      /SWITCHBOARD_NATS_NKEY_SEED_FILE: \/seed does not hold a user nkey seed/,
    );
    const c = natsConnectSettings('n:4222', { SWITCHBOARD_NATS_CREDS_FILE: '/c' }, files({ '/c': CREDS }));
    assert.equal(typeof c.authenticator, 'function');
    refused(
      () => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_CREDS_FILE: '/c' }, files({ '/c': seed })),
      /SWITCHBOARD_NATS_CREDS_FILE: \/c is not a NATS creds file/,
    );
  });

  it('turns TLS on for tls:// or TLS files, with the files read', () => {
    assert.deepEqual(natsConnectSettings('tls://n:4222', {}, none).tls, {});
    const s = natsConnectSettings(
      'nats://n:4222',
      {
        SWITCHBOARD_NATS_TLS_CA_FILE: '/ca',
        SWITCHBOARD_NATS_TLS_CERT_FILE: '/crt',
        SWITCHBOARD_NATS_TLS_KEY_FILE: '/key',
      },
      files({ '/ca': PEM_CERT, '/crt': PEM_CERT, '/key': PEM_KEY }),
    );
    assert.deepEqual(s.tls, { ca: PEM_CERT, cert: PEM_CERT, key: PEM_KEY });
    assert.equal(s.summary.tls, true);
    refused(
      () => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_TLS_CERT_FILE: '/crt' }, none),
      /SWITCHBOARD_NATS_TLS_KEY_FILE: set both/,
    );
    refused(
      () => natsConnectSettings('n:4222', { SWITCHBOARD_NATS_TLS_CA_FILE: '/ca' }, files({ '/ca': PEM_KEY })),
      /SWITCHBOARD_NATS_TLS_CA_FILE: \/ca is not a PEM file with a certificate/,
    );
  });

  it('refuses other schemes and an empty list', () => {
    refused(() => natsConnectSettings('http://n:4222', {}, none), /scheme "http:\/\/"/);
    refused(() => natsConnectSettings(' , ', {}, none), /no server URL/);
  });
});

describe('natsAuthSource', () => {
  it('takes the variables, flags over them', () => {
    const s = natsAuthSource(
      { SWITCHBOARD_NATS_USER: 'env', SWITCHBOARD_NATS_PASSWORD: 'pw', HOME: '/root' },
      { 'nats-user': 'flag', 'nats-creds-file': '/c', listen: 'x' },
    );
    assert.deepEqual(s, {
      SWITCHBOARD_NATS_USER: 'flag',
      SWITCHBOARD_NATS_PASSWORD: 'pw',
      SWITCHBOARD_NATS_CREDS_FILE: '/c',
    });
  });
});

describe('redactUserInfo', () => {
  it('hides user info in every URL of a list', () => {
    assert.equal(
      redactUserInfo('nats://u:p@a:4222,tls://tok@b:4222,nats://c:4222'),
      'nats://***@a:4222,tls://***@b:4222,nats://c:4222',
    );
  });
});

describe('storage budget', () => {
  it('parses sizes', () => {
    assert.equal(parseBytes('8Gi', 'X'), 8 * 1024 ** 3);
    assert.equal(parseBytes('500M', 'X'), 500e6);
    assert.equal(parseBytes('1073741824', 'X'), 1024 ** 3);
    assert.throws(
      () => parseBytes('8 parsecs', 'SWITCHBOARD_NATS_STORAGE_BUDGET'),
      /SWITCHBOARD_NATS_STORAGE_BUDGET must be a size/,
    );
  });

  it('splits the budget 8:39:8:1 (alerts, events, incidents, dead letters) and never exceeds it', () => {
    const b = 14 * 1024 ** 3;
    const s = splitStorageBudget(b);
    assert.deepEqual(s, {
      alertsMaxBytes: 2 * 1024 ** 3,
      eventsMaxBytes: 39 * 256 * 1024 ** 2,
      incidentsMaxBytes: 2 * 1024 ** 3,
      deadLetterMaxBytes: 256 * 1024 ** 2,
    });
    const odd = splitStorageBudget(3_999_999_999);
    assert.ok(
      odd.alertsMaxBytes + odd.eventsMaxBytes + odd.incidentsMaxBytes + odd.deadLetterMaxBytes <= 3_999_999_999,
    );
  });

  it('keeps the defaults when unset and refuses a budget too small', () => {
    assert.deepEqual(busStorageFromEnv({}), {});
    assert.throws(() => busStorageFromEnv({ SWITCHBOARD_NATS_STORAGE_BUDGET: '10Mi' }), /at least 70Mi/);
  });
});

describe('explainConnectError', () => {
  const summary = { servers: ['nats://n:4222'], auth: 'user/password' as const, tls: false };
  it('says which settings to check when the server refuses the credentials', () => {
    const e = explainConnectError(
      Object.assign(new Error('Authorization Violation'), { name: 'AuthorizationError' }),
      summary,
    );
    assert.ok(e instanceof NatsAuthError);
    assert.match(e.message, /nats:\/\/n:4222 refused the connection .*check the user\/password credentials/);
    const none = explainConnectError(new Error('Authorization Violation'), { ...summary, auth: 'none' });
    assert.match(none.message, /requires credentials: set SWITCHBOARD_NATS_USER/);
  });
  it('points at the TLS files on a certificate failure and passes other errors through', () => {
    assert.match(
      explainConnectError(new Error('self-signed certificate in certificate chain'), summary).message,
      /SWITCHBOARD_NATS_TLS_CA_FILE/,
    );
    const refused = new Error('CONNECTION_REFUSED');
    assert.equal(explainConnectError(refused, summary), refused);
  });
});
