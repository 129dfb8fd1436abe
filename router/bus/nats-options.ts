// How the router and the operator authenticate to NATS and encrypt the connection: built once, from the
// `--nats` URL(s), the SWITCHBOARD_NATS_* environment variables and the matching flags (which win). Pure but
// for reading the files it is given a reader for, so every refusal names the variable (and path) to fix.
import { type Authenticator, credsAuthenticator, nkeyAuthenticator, type TlsOptions } from '@nats-io/nats-core';

/** The settings, by environment variable name (a flag's value is put under its variable's name). */
export const NATS_ENV = [
  'SWITCHBOARD_NATS_USER',
  'SWITCHBOARD_NATS_PASSWORD',
  'SWITCHBOARD_NATS_TOKEN',
  'SWITCHBOARD_NATS_NKEY_SEED_FILE',
  'SWITCHBOARD_NATS_CREDS_FILE',
  'SWITCHBOARD_NATS_TLS_CA_FILE',
  'SWITCHBOARD_NATS_TLS_CERT_FILE',
  'SWITCHBOARD_NATS_TLS_KEY_FILE',
] as const;
export type NatsEnvName = (typeof NATS_ENV)[number];
export type NatsAuthSource = Partial<Record<NatsEnvName, string | undefined>>;

/** Flags of `switchboard router` and `switchboard operator`, and the variable each stands for. */
export const NATS_FLAGS = {
  'nats-user': 'SWITCHBOARD_NATS_USER',
  'nats-nkey-seed-file': 'SWITCHBOARD_NATS_NKEY_SEED_FILE',
  'nats-creds-file': 'SWITCHBOARD_NATS_CREDS_FILE',
  'nats-tls-ca-file': 'SWITCHBOARD_NATS_TLS_CA_FILE',
  'nats-tls-cert-file': 'SWITCHBOARD_NATS_TLS_CERT_FILE',
  'nats-tls-key-file': 'SWITCHBOARD_NATS_TLS_KEY_FILE',
} as const satisfies Record<string, NatsEnvName>;

/** Wrong NATS connection settings: the message names what to fix (never a secret's value). */
export class NatsOptionsError extends Error {
  override readonly name = 'NatsOptionsError';
}

export type NatsAuthMethod = 'none' | 'user/password' | 'token' | 'nkey' | 'creds';

export interface NatsConnectSettings {
  /** Server URLs without user info. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  authenticator?: Authenticator;
  tls?: TlsOptions;
  /** What may be logged: no secret, no user info. */
  summary: { servers: string[]; auth: NatsAuthMethod; tls: boolean };
}

export type ReadFile = (path: string) => Buffer;

/** The variables of `env` that configure NATS, with the flags given (`values` of parseArgs) over them. */
export function natsAuthSource(env: NodeJS.ProcessEnv, flags: Record<string, unknown> = {}): NatsAuthSource {
  const source: NatsAuthSource = {};
  for (const name of NATS_ENV) if (env[name]) source[name] = env[name];
  for (const [flag, name] of Object.entries(NATS_FLAGS)) {
    const v = flags[flag];
    if (typeof v === 'string' && v !== '') source[name] = v;
  }
  return source;
}

interface ParsedUrl {
  server: string;
  user?: string;
  pass?: string;
  tls: boolean;
}

function parseServer(text: string): ParsedUrl {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `nats://${text}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new NatsOptionsError(`--nats: "${redactUserInfo(text)}" is not a URL (nats://host:4222 or tls://host:4222)`);
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme !== 'nats' && scheme !== 'tls')
    throw new NatsOptionsError(`--nats: scheme "${scheme}://" is not supported (use nats:// or tls://)`);
  if (!u.hostname) throw new NatsOptionsError(`--nats: "${redactUserInfo(text)}" has no host`);
  const server = `${scheme}://${u.host}`;
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const pass = u.password ? decodeURIComponent(u.password) : undefined;
  return { server, tls: scheme === 'tls', ...(user ? { user } : {}), ...(pass ? { pass } : {}) };
}

/** A URL list fit for a log line: `user:pass@` (or a token) replaced by `***@`. */
export function redactUserInfo(urls: string): string {
  return urls.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/,]*@/gi, '$1***@').replace(/^[^:/@,]*(:[^@/,]*)?@/, '***@');
}

function readSetting(readFile: ReadFile, name: NatsEnvName, path: string): Buffer {
  try {
    return readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new NatsOptionsError(`${name}: cannot read ${path} (${code})`);
  }
}

/**
 * The connection settings for `url` (comma-separated, each `nats://` or `tls://`, optionally with
 * `user:pass@` or `token@`) and `source`. At most one way to authenticate; TLS when a URL is `tls://` or
 * a TLS file is given (a client certificate needs its key, and the other way round).
 */
export function natsConnectSettings(url: string, source: NatsAuthSource, readFile: ReadFile): NatsConnectSettings {
  const parts = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new NatsOptionsError('--nats: no server URL given');
  const parsed = parts.map(parseServer);
  const withInfo = parsed.filter((p) => p.user !== undefined);
  const first = withInfo[0];
  if (first && withInfo.some((p) => p.user !== first.user || p.pass !== first.pass))
    throw new NatsOptionsError('--nats: the URLs carry different user info; give the credentials once');

  const methods: NatsAuthMethod[] = [];
  let user = source.SWITCHBOARD_NATS_USER;
  let pass = source.SWITCHBOARD_NATS_PASSWORD;
  let token = source.SWITCHBOARD_NATS_TOKEN;
  if (first) {
    // nats://user:pass@host, or nats://token@host (user info without a password is a token, as nats-server reads it).
    if (user || pass || token)
      throw new NatsOptionsError(
        '--nats carries credentials and SWITCHBOARD_NATS_USER/PASSWORD/TOKEN are set too: keep one of them',
      );
    if (first.pass !== undefined) {
      user = first.user;
      pass = first.pass;
    } else token = first.user;
  }
  if (user && !pass)
    throw new NatsOptionsError('SWITCHBOARD_NATS_USER is set without SWITCHBOARD_NATS_PASSWORD: set both');
  if (pass && !user)
    throw new NatsOptionsError('SWITCHBOARD_NATS_PASSWORD is set without SWITCHBOARD_NATS_USER: set both');
  if (user) methods.push('user/password');
  if (token) methods.push('token');
  const nkeyFile = source.SWITCHBOARD_NATS_NKEY_SEED_FILE;
  const credsFile = source.SWITCHBOARD_NATS_CREDS_FILE;
  if (nkeyFile) methods.push('nkey');
  if (credsFile) methods.push('creds');
  if (methods.length > 1)
    throw new NatsOptionsError(
      `NATS credentials given several ways (${methods.join(', ')}): set only one of SWITCHBOARD_NATS_USER/PASSWORD, SWITCHBOARD_NATS_TOKEN, SWITCHBOARD_NATS_NKEY_SEED_FILE, SWITCHBOARD_NATS_CREDS_FILE`,
    );

  const settings: NatsConnectSettings = {
    servers: parsed.map((p) => p.server),
    summary: { servers: parsed.map((p) => p.server), auth: methods[0] ?? 'none', tls: false },
  };
  if (user && pass) Object.assign(settings, { user, pass });
  if (token) settings.token = token;
  if (nkeyFile) {
    const seed = readSetting(readFile, 'SWITCHBOARD_NATS_NKEY_SEED_FILE', nkeyFile).toString('utf8').trim();
    if (!/^SU[A-Z2-7]{50,}$/.test(seed))
      throw new NatsOptionsError(
        `SWITCHBOARD_NATS_NKEY_SEED_FILE: ${nkeyFile} does not hold a user nkey seed (one line starting with SU)`,
      );
    settings.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (credsFile) {
    const creds = readSetting(readFile, 'SWITCHBOARD_NATS_CREDS_FILE', credsFile);
    const text = creds.toString('utf8');
    if (!text.includes('BEGIN NATS USER JWT') || !text.includes('BEGIN USER NKEY SEED'))
      throw new NatsOptionsError(
        `SWITCHBOARD_NATS_CREDS_FILE: ${credsFile} is not a NATS creds file (a user JWT and its nkey seed, as \`nsc generate creds\` writes)`,
      );
    settings.authenticator = credsAuthenticator(new Uint8Array(creds));
  }

  const caFile = source.SWITCHBOARD_NATS_TLS_CA_FILE;
  const certFile = source.SWITCHBOARD_NATS_TLS_CERT_FILE;
  const keyFile = source.SWITCHBOARD_NATS_TLS_KEY_FILE;
  if (certFile && !keyFile)
    throw new NatsOptionsError('SWITCHBOARD_NATS_TLS_CERT_FILE is set without SWITCHBOARD_NATS_TLS_KEY_FILE: set both');
  if (keyFile && !certFile)
    throw new NatsOptionsError('SWITCHBOARD_NATS_TLS_KEY_FILE is set without SWITCHBOARD_NATS_TLS_CERT_FILE: set both');
  if (parsed.some((p) => p.tls) || caFile || certFile) {
    const tls: TlsOptions = {};
    if (caFile) tls.ca = readPem(readFile, 'SWITCHBOARD_NATS_TLS_CA_FILE', caFile, 'CERTIFICATE');
    if (certFile) tls.cert = readPem(readFile, 'SWITCHBOARD_NATS_TLS_CERT_FILE', certFile, 'CERTIFICATE');
    if (keyFile) tls.key = readPem(readFile, 'SWITCHBOARD_NATS_TLS_KEY_FILE', keyFile, 'PRIVATE KEY');
    settings.tls = tls;
    settings.summary.tls = true;
  }
  return settings;
}

function readPem(readFile: ReadFile, name: NatsEnvName, path: string, kind: string): string {
  const text = readSetting(readFile, name, path).toString('utf8');
  if (!new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(text))
    throw new NatsOptionsError(`${name}: ${path} is not a PEM file with a ${kind.toLowerCase()}`);
  return text;
}
