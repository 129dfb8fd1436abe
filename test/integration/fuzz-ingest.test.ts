// Fuzzing the router's HTTP surface with hostile input (issue #9, point 3), against the real router and a
// real nats-server. test/integration/bad-input.test.ts pins one answer per known bad input; this file
// throws generated input at every ingest endpoint (Alertmanager, Zabbix, PRTG, generic, with the token
// in a header or in the path), at heartbeats, and at the incident, silence, report and status APIs with
// tenant tokens, and checks properties that must hold for any input:
//
// - never a 5xx; a 4xx is JSON with an `error`, and a 400 names the field (`details.field`);
// - the process keeps serving (/healthz, /readyz after every batch) and keeps applying what it accepted
//   (an alert sent after the fuzzing still opens its incident);
// - a tenant's token never sees another tenant's incidents, silences or notes (ids, titles, texts),
//   however the path, id and query are mangled, and never changes them;
// - clients that stall or dribble bytes are cut off by the server's timeouts, not served forever;
// - the heap after GC grows by a bounded amount over the whole run, and no socket is left open.
//
// The seed is FUZZ_SEED (test/fuzz/options.ts), printed at the start and in every failure.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import type { RunningRouter } from '../../router/main.ts';
import { dribble, RawClient, type Reply, type Send, type SlowOutcome, slowClient } from '../fuzz/http.ts';
import { checkAsync, FUZZ_SEED } from '../fuzz/options.ts';
import { type Body, bodyOf, contentType, encoding, overLimit, type Source } from '../fuzz/payloads.ts';
import { hostileString, nastyString, trickyString } from '../fuzz/values.ts';
import { NatsServer } from '../harness/nats.ts';
import { waitFor } from '../harness/ports.ts';
import { ADMIN_TOKEN, copyConfig, RESPONDER_TOKENS, SHARED_TOKEN, startTestRouter, TOKENS } from '../harness/router.ts';

/** The router's default --max-body: the limit production runs with. */
const MAX_BODY = 4 * 1024 * 1024;
const VIEWER_TOKEN = 'acme-viewer-token';
/** The longest any one fuzzed request may take (at most 4 MiB; the slowest take ~100 ms on two cores). */
const ANSWER_WITHIN_MS = 5_000;
/**
 * Runs per property; FUZZ_SCALE multiplies them. The file takes about a minute whatever they are (the
 * stalled clients wait for the server's timeouts, see below); these fill ~20 s of it on two cores.
 */
const RUNS = { ingest: 800, heartbeats: 400, api: 2500, large: 6 };

// The router's server timeouts (router/main.ts) and Node's default interval for checking them
// (http.Server connectionsCheckingInterval, 30 s, which router/main.ts leaves as it is): a stalled
// request is cut off within timeout + interval, i.e. after up to 40 s (headers) and 60 s (body).
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const NODE_CHECK_INTERVAL_MS = 30_000;
const SLACK_MS = 10_000;

type Tenant = 'acme' | 'globex';

let nats: NatsServer;
let router: RunningRouter;
let client: RawClient;
let port: number;

// ---- the router under test ----

/** The router test config, with heartbeats on both tenants. */
function fuzzConfigDir(): string {
  const dir = copyConfig();
  const file = join(dir, 'config.yaml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS());
  const heartbeats: Record<Tenant, unknown[]> = {
    acme: [
      { name: 'watchdog', interval: '1h' },
      { name: 'nightly-backup', interval: '1d' },
    ],
    globex: [{ name: 'watchdog', interval: '1h' }],
  };
  for (const d of docs) if (d.kind === 'Tenant') d.spec.heartbeats = heartbeats[d.metadata.name as Tenant];
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return dir;
}

const authHeader = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * `text` as one URL path segment or query value, percent-encoded from its UTF-8 bytes (encodeURIComponent
 * throws on a lone surrogate; its UTF-8 is U+FFFD's).
 */
function seg(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Hostile text short enough for a request head: Node refuses heads over 16 KiB itself, with a bare 431
 * (tested once below), so longer text would mostly test that.
 */
const headText = hostileString.map((s) => s.slice(0, 1500));

/** A path segment: text encoded, or percent-encoding that is broken or means something. */
const segment = fc.oneof(
  { weight: 6, arbitrary: headText.map(seg) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%00', '%2e%2e', '..', '.', '%2F', '%C0%AF', '%ED%A0%80'),
  },
);

async function adminGet(path: string): Promise<Reply> {
  const r = await client.send({ method: 'GET', path, headers: authHeader(ADMIN_TOKEN) });
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  return r;
}

/** The router answers its health checks (it did not crash, and nothing it needs is wedged). */
async function assertServing(): Promise<void> {
  for (const path of ['/healthz', '/readyz']) {
    const started = Date.now();
    const r = await client.send({ method: 'GET', path });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    assert.ok(Date.now() - started < 5_000, `${path} took ${Date.now() - started} ms`);
  }
}

// ---- what every answer must look like ----

/** Every status that came back, for the summary. */
const seen = new Map<number, number>();

/**
 * No 5xx; a 4xx of the API is JSON `{error, details?}` whose 400 names the field. `html`: routes that
 * answer people with pages (acknowledge links, status pages) may answer an error as HTML.
 */
function assertWellAnswered(r: Reply, what: string, html = false): void {
  seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
  const show = `${what} -> ${r.status} ${r.text.slice(0, 300)}`;
  assert.ok(r.status >= 200 && r.status < 500, `5xx (or no status): ${show}`);
  // Node's own answer to a request head over 16 KiB, before the router sees the request.
  if (r.status === 431) return;
  if (r.status < 400 || (html && !/^application\/json/.test(String(r.headers['content-type'])))) return;
  assert.match(String(r.headers['content-type']), /^application\/json/, show);
  assert.equal(typeof r.json?.error, 'string', show);
  assert.ok(r.json.error.length > 0, show);
  if (r.status === 400) {
    assert.equal(typeof r.json.details?.field, 'string', `a 400 without details.field: ${show}`);
    const field: string = r.json.details.field;
    if (field) assert.ok(r.json.error.includes(field), `the error does not name ${field}: ${show}`);
  }
  if (r.status === 401) assert.match(String(r.headers['www-authenticate']), /^Bearer /, show);
  if (r.status === 429) assert.match(String(r.headers['retry-after']), /^\d+$/, show);
}

// ---- tenants' secrets, for the leak checks ----

interface Secrets {
  tenant: Tenant;
  /** Unique text in every title, note, silence and fingerprint of the seeded data. */
  tag: string;
  incidentIds: string[];
  silenceId: string;
  /** An internal note, which the status page (viewer token) must never show. */
  internalNote: string;
}

const secrets = {} as Record<Tenant, Secrets>;

async function seed(tenant: Tenant): Promise<Secrets> {
  const tag = `${tenant.toUpperCase()}-SECRET-${randomUUID()}`;
  for (const n of [1, 2]) {
    const r = await client.send({
      path: '/api/v1/alerts',
      headers: { ...authHeader(TOKENS[tenant]), 'content-type': 'application/json' },
      body: JSON.stringify({
        summary: `${tag} incident ${n}`,
        fingerprint: `${tag}-${n}`,
        severity: 'critical',
        labels: { alertname: `Secret${n}`, instance: tag, customer: tenant },
      }),
    });
    assert.equal(r.status, 202, r.text);
  }
  const incidentIds = await waitFor(`${tenant}'s seeded incidents`, async () => {
    const list = await adminGet(`/api/v1/incidents?tenant=${tenant}&limit=500`);
    const ids = (list.json.incidents as { id: string; title: string }[])
      .filter((i) => i.title.includes(tag))
      .map((i) => i.id);
    return ids.length === 2 ? ids : undefined;
  });
  const internalNote = `${tag} internal note`;
  const note = await client.send({
    path: `/api/v1/incidents/${incidentIds[0]}/notes`,
    headers: { ...authHeader(ADMIN_TOKEN), 'content-type': 'application/json' },
    body: JSON.stringify({ text: internalNote, visibility: 'internal' }),
  });
  assert.equal(note.status, 201, note.text);
  const silence = await client.send({
    path: '/api/v1/silences',
    headers: { ...authHeader(RESPONDER_TOKENS[tenant]), 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [`alertname="${tag}-never"`],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: `${tag} creator`,
      comment: `${tag} silence`,
    }),
  });
  assert.equal(silence.status, 201, silence.text);
  return { tenant, tag, incidentIds, silenceId: silence.json.id, internalNote };
}

/**
 * What a caller must never read: the other tenant's secrets, and internal notes for tenant tokens (the
 * acme/globex callers read with their responder tokens; docs/api.md#what-a-tenants-tokens-see).
 */
function forbiddenFor(caller: Caller): string[] {
  const other = (t: Tenant) => [secrets[t].tag, ...secrets[t].incidentIds, secrets[t].silenceId];
  if (caller === 'acme') return [...other('globex'), secrets.acme.internalNote];
  if (caller === 'globex') return [...other('acme'), secrets.globex.internalNote];
  if (caller === 'viewer') return [...other('globex'), secrets.acme.internalNote, secrets.acme.silenceId];
  return [...other('acme'), ...other('globex')];
}

/** The answer shows nothing `caller` may not read, except what the request itself carried. */
function assertNoLeak(caller: Caller, request: string, r: Reply, what: string): void {
  for (const s of forbiddenFor(caller)) {
    if (r.text.includes(s) && !request.includes(s)) {
      assert.fail(`${caller}'s request leaked ${s}: ${what} -> ${r.status} ${r.text.slice(0, 500)}`);
    }
  }
}

// ---- slow clients ----

interface SlowCase {
  client: { outcome: Promise<SlowOutcome>; stop(): void };
  /** The latest the server may close it, in ms after it connected. */
  withinMs: number;
  /** What the server may have answered before closing (nothing at all is fine too). */
  answer: RegExp;
}

const slowCases: SlowCase[] = [];

const ingestHead = (length: number, extra = '') =>
  `POST /api/v1/alerts HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer ${TOKENS.acme}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/**
 * Opens the slow clients. They run while everything else here runs (so the router is fuzzed while
 * sockets hang on it); the last test waits for the server to have closed each.
 */
function startSlowClients(): void {
  const headersBound = HEADERS_TIMEOUT_MS + NODE_CHECK_INTERVAL_MS + SLACK_MS;
  const requestBound = REQUEST_TIMEOUT_MS + NODE_CHECK_INTERVAL_MS + SLACK_MS;
  const add = (
    name: string,
    withinMs: number,
    script: Parameters<typeof slowClient>[2],
    answer = /^HTTP\/1\.1 4\d\d /,
  ) => slowCases.push({ client: slowClient(port, name, script), withinMs, answer });
  add('connects and sends nothing', headersBound, () => {});
  add('dribbles the headers, a byte every 400 ms', headersBound, (s, stopped) =>
    dribble(s, Buffer.from(ingestHead(20)), 400, stopped),
  );
  add('sends half the body, then stalls', requestBound, (s) => s.write(`${ingestHead(2000)}{"summary":"half`));
  add('dribbles the body, a byte every 300 ms', requestBound, (s, stopped) => {
    s.write(ingestHead(100_000));
    dribble(s, Buffer.alloc(100_000, 0x20), 300, stopped);
  });
  add('claims a body over the limit, sends 10 bytes, stalls', requestBound, (s) =>
    s.write(`${ingestHead(MAX_BODY * 4)}{"summary"`),
  );
  add('chunked body that never ends', requestBound, (s) =>
    s.write(
      `POST /api/v1/alerts/zabbix HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer ${TOKENS.acme}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"eve\r\n',
    ),
  );
  add('ends its side mid-body', 5_000, (s) => s.end(`${ingestHead(2000)}{"summary":"cut`));
  add('sends garbage instead of HTTP', 5_000, (s) => s.write('\u0000\u0001GARBAGE\r\n\r\n'));
  // Heartbeats ignore the body, so the ping is answered at once; the connection still times out.
  add(
    'a heartbeat whose body never comes',
    requestBound,
    (s) =>
      s.write(
        `POST /api/v1/heartbeats/watchdog HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer ${TOKENS.acme}\r\n` +
          'Content-Length: 500\r\n\r\nping',
      ),
    /^HTTP\/1\.1 (202|4\d\d) /,
  );
  // A small slowloris: many stalled requests at once.
  for (let i = 0; i < 24; i++) add(`stalled request ${i}`, requestBound, (s) => s.write(`${ingestHead(500)}{`));
}

// ---- memory ----

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

let baselineHeap = 0;
let baselineSockets = 0;
let started = 0;

before(async () => {
  started = Date.now();
  console.log(`# fuzz-ingest: FUZZ_SEED=${FUZZ_SEED}`);
  nats = await NatsServer.start();
  router = await startTestRouter(nats.url, { configDir: fuzzConfigDir() });
  port = Number(new URL(router.url).port);
  client = new RawClient(router.url);
  baselineSockets = openSockets();
  startSlowClients();
  secrets.acme = await seed('acme');
  secrets.globex = await seed('globex');
  await assertServing();
  baselineHeap = heapAfterGc();
});

after(async () => {
  for (const c of slowCases) c.client.stop();
  client?.close();
  await router?.stop();
  await nats?.close();
  const counts = [...seen].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
  console.log(`# fuzz-ingest: answers ${counts.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

// ---- ingest ----

type Caller = Tenant | 'viewer' | 'shared' | 'admin' | 'bogus' | 'none';

interface Auth {
  caller: Caller;
  /** Authorization header to send, if any. */
  header?: string;
  /** Token in the path (`/api/v1/alerts/{source}/{key}`), if that route is used; already encoded. */
  pathKey?: string;
  /** The source named in that path (normally the right one); already encoded. */
  pathSource?: string;
}

const bogusToken = fc
  .oneof(trickyString, nastyString(40))
  .map((s) => s.replace(/[^\x21-\x7e]/g, '').slice(0, 1000) || 'x');

const auth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Auth>({ caller: 'acme', header: `Bearer ${TOKENS.acme}` }) },
  { weight: 2, arbitrary: fc.constant<Auth>({ caller: 'globex', header: `Bearer ${TOKENS.globex}` }) },
  { weight: 2, arbitrary: fc.constant<Auth>({ caller: 'shared', header: `Bearer ${SHARED_TOKEN}` }) },
  { weight: 1, arbitrary: fc.constant<Auth>({ caller: 'admin', header: `Bearer ${ADMIN_TOKEN}` }) },
  { weight: 1, arbitrary: fc.constant<Auth>({ caller: 'viewer', header: `Bearer ${VIEWER_TOKEN}` }) },
  { weight: 1, arbitrary: fc.constant<Auth>({ caller: 'none' }) },
  { weight: 1, arbitrary: bogusToken.map((t): Auth => ({ caller: 'bogus', header: `Bearer ${t}` })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        'Basic YTpi',
        'Bearer',
        'Bearer ',
        `bearer   ${TOKENS.acme}   `,
        `Bearer ${TOKENS.acme} ${TOKENS.globex}`,
        `Bearer\t${TOKENS.acme}`,
        `Token ${TOKENS.acme}`,
        `Bearer ${TOKENS.acme}\u00ff`,
      )
      // A header that reads as acme's token is acme's (bearerToken: case-insensitive, spaces trimmed).
      .map((h): Auth => ({ caller: /^bearer\s+acme-token\s*$/i.test(h) ? 'acme' : 'bogus', header: h })),
  },
  { weight: 3, arbitrary: fc.constant<Auth>({ caller: 'acme', pathKey: TOKENS.acme }) },
  { weight: 1, arbitrary: fc.constant<Auth>({ caller: 'globex', pathKey: TOKENS.globex }) },
  // Not empty: `/api/v1/alerts/generic/` is another route (or none).
  { weight: 1, arbitrary: segment.filter((k) => k !== '').map((k): Auth => ({ caller: 'bogus', pathKey: k })) },
  {
    weight: 1,
    arbitrary: segment
      .filter((s) => s !== '')
      .map((s): Auth => ({ caller: 'acme', pathKey: TOKENS.acme, pathSource: s })),
  },
);

const INGEST_PATH: Record<Source, string> = {
  alertmanager: '/api/v1/alerts/alertmanager',
  zabbix: '/api/v1/alerts/zabbix',
  prtg: '/api/v1/alerts/prtg',
  generic: '/api/v1/alerts',
};

interface IngestCase {
  auth: Auth;
  body: Body;
  type: string | undefined;
  enc: { name: string; headers: Record<string, string>; encode(b: Buffer): Buffer };
  chunked: number | null;
  requestId: string | null;
}

const ingestCase = (source: Source): fc.Arbitrary<IngestCase> =>
  fc
    .record({ auth, body: bodyOf(source), enc: encoding, chunked: fc.option(fc.integer({ min: 512, max: 65_536 })) })
    .chain((c) =>
      fc.record({
        auth: fc.constant(c.auth),
        body: fc.constant(c.body),
        enc: fc.constant(c.enc),
        chunked: fc.constant(c.chunked),
        type: contentType(c.body.type),
        requestId: fc.option(nastyString(80).map((s) => s.replace(/[^\x20-\x7e]/g, ''))),
      }),
    );

function ingestPath(source: Source, a: Auth): string {
  if (a.pathKey === undefined) return INGEST_PATH[source];
  return `/api/v1/alerts/${a.pathSource ?? source}/${a.pathKey}`;
}

async function sendIngest(source: Source, c: IngestCase): Promise<Reply> {
  const headers: Record<string, string> = { ...c.enc.headers };
  if (c.type !== undefined) headers['content-type'] = c.type;
  if (c.auth.header !== undefined) headers['authorization'] = c.auth.header;
  if (c.requestId !== null) headers['x-request-id'] = c.requestId;
  const path = ingestPath(source, c.auth);
  const body = c.enc.encode(c.body.bytes);
  const t0 = Date.now();
  const r = await client.send({ path, headers, body, ...(c.chunked ? { chunked: c.chunked } : {}) });
  const ms = Date.now() - t0;
  const what = `POST ${path.slice(0, 120)} ${c.body[fc.toStringMethod]()} as ${c.type} ${c.enc.name}`;
  // No input makes the router burn seconds of CPU (a regex that backtracks, a quadratic loop).
  assert.ok(ms < ANSWER_WITHIN_MS, `answered after ${ms} ms: ${what}`);
  assertWellAnswered(r, what);
  assert.ok(
    [202, 400, 401, 403, 413, 429, 431].includes(r.status),
    `unexpected ${r.status}: ${what}: ${r.text.slice(0, 300)}`,
  );
  assertIngestAnswer(c.auth, r, what);
  return r;
}

/** Accepted alerts go to the caller's own tenant; the shared and admin tokens only where labels say. */
function assertIngestAnswer(a: Auth, r: Reply, what: string): void {
  const show = `${what} -> ${r.status} ${r.text.slice(0, 300)}`;
  if (r.status === 202) {
    assert.ok(Number.isInteger(r.json.accepted) && r.json.accepted >= 0, show);
    assert.ok(Array.isArray(r.json.tenants), show);
    if (a.caller === 'acme' || a.caller === 'globex') {
      assert.deepEqual(r.json.tenants, r.json.accepted > 0 ? [a.caller] : [], show);
    } else {
      assert.ok(a.caller === 'shared' || a.caller === 'admin', `accepted from ${a.caller}: ${show}`);
      for (const t of r.json.tenants) assert.equal(t, 'globex', show);
    }
  }
  if (a.caller === 'bogus' || a.caller === 'none') assert.ok([400, 401].includes(r.status), show);
  if (r.status === 403) assert.equal(a.caller, 'viewer', show);
  if (a.caller === 'viewer') assert.ok([400, 403, 413].includes(r.status), show);
}

describe('ingest endpoints under generated hostile input', () => {
  for (const source of ['alertmanager', 'zabbix', 'prtg', 'generic'] as const) {
    it(`${source}: any body, content type, encoding and token -> a 2xx or a 4xx that says why`, async () => {
      await checkAsync(
        fc.asyncProperty(ingestCase(source), async (c) => {
          await sendIngest(source, c);
        }),
        RUNS.ingest,
      );
      // Bodies over --max-body, as JSON and (PRTG) as a form, with the token in a header and in the path.
      for (const extra of [1, 100_000]) {
        const big = overLimit(source, MAX_BODY, extra);
        const r = await sendIngest(source, {
          auth: { caller: 'acme', header: `Bearer ${TOKENS.acme}` },
          body: big,
          type: 'application/json',
          enc: { name: 'identity', headers: {}, encode: (b) => b },
          chunked: extra === 1 ? null : 65_536,
          requestId: null,
        });
        assert.equal(r.status, 413, r.text);
      }
      await assertServing();
    });
  }

  it('a request head over 16 KiB (token, path) is refused by Node with 431, and the router goes on', async () => {
    for (const o of [
      { path: '/api/v1/alerts', headers: authHeader('t'.repeat(20_000)) },
      { path: `/api/v1/alerts/prtg/${'k'.repeat(20_000)}`, headers: {} },
    ]) {
      const r = await client.send({ ...o, body: '{}' });
      assert.equal(r.status, 431);
    }
    await assertServing();
  });

  it('PRTG forms over the limit or with too many fields, with the key in the path', async () => {
    const path = `/api/v1/alerts/prtg/${TOKENS.acme}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const big = await client.send({
      path,
      headers: form,
      body: `sensorid=1&status=Down&message=${'x'.repeat(MAX_BODY)}`,
    });
    assertWellAnswered(big, 'PRTG form over the limit');
    assert.equal(big.status, 413);
    const fields = Array.from({ length: 500 }, (_, i) => `f${i}=v`).join('&');
    const many = await client.send({ path, headers: form, body: `sensorid=1&status=Down&${fields}` });
    assertWellAnswered(many, 'PRTG form with 500 fields');
    assert.equal(many.status, 400);
    await assertServing();
  });

  it('large valid requests (up to the body limit) are accepted, not answered 503 forever', async () => {
    // NATS takes 1 MiB per message by default; a request may carry 4 MiB of alerts.
    await checkAsync(
      fc.asyncProperty(
        fc.integer({ min: 1_500, max: 5_000 }),
        fc.integer({ min: 100, max: 700 }),
        fc.constantFrom<Source>('generic', 'alertmanager'),
        async (count, wanted, source) => {
          // As long as the whole request stays under the body limit.
          const annotationBytes = Math.min(wanted, Math.floor(3_600_000 / count) - 300);
          const alert = (i: number) => ({
            labels: { alertname: 'LargeRequest', instance: `node-${i % 7}` },
            annotations: { description: `${i} ${'\u00e9'.repeat(annotationBytes / 2)}` },
          });
          const payload =
            source === 'generic'
              ? Array.from({ length: count }, (_, i) => ({
                  summary: `large ${i % 7}`,
                  fingerprint: `large-${i % 7}`,
                  ...alert(i),
                }))
              : {
                  version: '4',
                  status: 'firing',
                  alerts: Array.from({ length: count }, (_, i) => ({
                    status: 'firing',
                    startsAt: '2026-11-26T15:14:44Z',
                    fingerprint: `large-${i % 7}`,
                    ...alert(i),
                  })),
                };
          const bytes = JSON.stringify(payload);
          if (bytes.length > MAX_BODY) return;
          const r = await client.send({
            path: INGEST_PATH[source],
            headers: { ...authHeader(TOKENS.acme), 'content-type': 'application/json' },
            body: bytes,
          });
          assertWellAnswered(r, `${count} ${source} alerts in ${bytes.length} bytes`);
          assert.equal(r.status, 202, `${count} alerts, ${bytes.length} bytes: ${r.text}`);
          assert.equal(r.json.accepted, count);
        },
      ),
      RUNS.large,
    );
    await assertServing();
  });

  it('a request split over several NATS messages is applied whole', async () => {
    const marker = `LARGE-${randomUUID()}`;
    // 3,000 distinct alerts of ~800 bytes (2.4 MB: three messages) in 6 groups of 500.
    const alerts = Array.from({ length: 3_000 }, (_, i) => ({
      summary: `${marker} ${Math.floor(i / 500)}`,
      fingerprint: `${marker}-${i}`,
      labels: { alertname: marker, instance: `node-${Math.floor(i / 500)}` },
      annotations: { description: 'x'.repeat(600) },
    }));
    const r = await client.send({
      path: '/api/v1/alerts',
      headers: { ...authHeader(TOKENS.acme), 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    assert.equal(r.status, 202, r.text);
    await waitFor(
      'all 3,000 alerts in their 6 incidents',
      async () => {
        const list = await adminGet('/api/v1/incidents?tenant=acme&limit=500');
        const mine = (list.json.incidents as { title: string; alertCount: number }[]).filter((i) =>
          i.title.startsWith(marker),
        );
        return mine.length === 6 && mine.every((i) => i.alertCount === 500);
      },
      30_000,
    );
  });

  it('one alert larger than a NATS message is accepted, cut to the caps (docs/api.md "Limits")', async () => {
    // 63 (Alertmanager adds generatorURL) of long annotation values, in 2-byte characters: 2 MiB. It used to
    // be a 400; the caps now keep every alert far under a NATS message.
    const annotations = Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`a${i}`, '\u00e9'.repeat(16_384)]));
    const fixture = JSON.parse(
      readFileSync(new URL('../fixtures/alertmanager-0.25-webhook.json', import.meta.url), 'utf8'),
    );
    fixture.alerts = [fixture.alerts[0], { ...fixture.alerts[0], fingerprint: 'huge', annotations }];
    for (const [path, body, count] of [
      ['/api/v1/alerts', { summary: 'huge', annotations }, 1],
      ['/api/v1/alerts', [{ summary: 'small' }, { summary: 'huge', annotations }], 2],
      ['/api/v1/alerts/alertmanager', fixture, 2],
    ] as const) {
      const r = await client.send({
        path,
        headers: { ...authHeader(TOKENS.acme), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assertWellAnswered(r, `one huge alert to ${path}`);
      assert.equal(r.status, 202, r.text.slice(0, 300));
      assert.equal(r.json.accepted, count);
    }
  });
});

// ---- heartbeats ----

describe('heartbeats under generated hostile input', () => {
  it('any name, token, tenant and body -> 202 for a declared heartbeat of the caller, else a 4xx', async () => {
    const name = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('watchdog', 'nightly-backup') },
      { weight: 3, arbitrary: headText },
    );
    const tenantQuery = fc.option(fc.oneof(fc.constantFrom('acme', 'globex', 'ACME', 'globex '), headText));
    await checkAsync(
      fc.asyncProperty(
        auth,
        name,
        tenantQuery,
        bodyOf('generic'),
        contentType('json'),
        async (a, n, tenant, b, type) => {
          const query = tenant === null ? '' : `?tenant=${seg(tenant)}`;
          const path = `/api/v1/heartbeats/${seg(n)}${query}`;
          const headers: Record<string, string> = {};
          // Heartbeats take the token in the header only: a path key becomes one.
          const header = a.header ?? (a.pathKey === undefined ? undefined : `Bearer ${a.pathKey}`);
          if (header !== undefined) headers['authorization'] = header;
          if (type !== undefined) headers['content-type'] = type;
          const r = await client.send({ path, headers, body: b.bytes });
          const what = `POST ${path.slice(0, 120)} as ${a.caller}`;
          assertWellAnswered(r, what);
          assert.ok(
            [202, 400, 401, 403, 404, 431].includes(r.status),
            `${what} -> ${r.status} ${r.text.slice(0, 200)}`,
          );
          if (r.status === 202) {
            const expected = a.caller === 'acme' || a.caller === 'globex' ? a.caller : tenant;
            assert.ok(a.caller !== 'bogus' && a.caller !== 'none' && a.caller !== 'viewer', `${what}: ${r.text}`);
            assert.equal(r.json.tenant, expected, `${what}: ${r.text}`);
            assert.equal(r.json.heartbeat, n);
            assert.ok(Number.isFinite(Date.parse(r.json.nextDueAt)), r.text);
          }
        },
      ),
      RUNS.heartbeats,
    );
    await assertServing();
  });
});

// ---- reading and changing incidents with tenant tokens ----

interface ApiCase {
  caller: Caller;
  method: string;
  path: string;
  body?: string;
}

/** Ids and names to put in paths and queries: the tenants' own, the other's, and mangled ones. */
function idPool(): fc.Arbitrary<string> {
  const real = [...secrets.acme.incidentIds, ...secrets.globex.incidentIds];
  const silences = [secrets.acme.silenceId, secrets.globex.silenceId];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: fc.constantFrom(...silences) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...real, ...silences),
          fc.constantFrom('upper', 'lower', 'prefix', 'suffix', 'cut', 'dots'),
        )
        .map(([id, how]) =>
          how === 'upper'
            ? id.toUpperCase()
            : how === 'lower'
              ? id.toLowerCase()
              : how === 'prefix'
                ? `x${id}`
                : how === 'suffix'
                  ? `${id} `
                  : how === 'cut'
                    ? id.slice(0, -1)
                    : `../${id}`,
        ),
    },
    { weight: 3, arbitrary: headText },
  );
}

/** The read APIs' callers: a tenant reads with its responder token (its ingest token only sends alerts). */
const TOKEN_OF: Record<Caller, string | null> = {
  acme: RESPONDER_TOKENS.acme,
  globex: RESPONDER_TOKENS.globex,
  viewer: VIEWER_TOKEN,
  shared: SHARED_TOKEN,
  admin: ADMIN_TOKEN,
  bogus: 'not-a-token',
  none: null,
};

function apiCase(): fc.Arbitrary<ApiCase> {
  const id = idPool();
  const tenantName = fc.oneof(fc.constantFrom('acme', 'globex', 'Globex', 'globex%00', ''), headText);
  const queryValue = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'acme',
        'globex',
        'open',
        'resolved',
        'critical',
        '1',
        '500',
        '0',
        'csv',
        'html',
        'json',
      ),
    },
    { weight: 2, arbitrary: id },
    { weight: 2, arbitrary: fc.constantFrom('2026-01-01', '2026-12-31T00:00:00Z', '1970-01-01', 'yesterday') },
    { weight: 2, arbitrary: headText },
  );
  const query = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'tenant',
            'status',
            'severity',
            'limit',
            'cursor',
            'from',
            'to',
            'format',
            'token',
            'state',
            'at',
          ),
          nastyString(8),
        ),
        queryValue,
      ),
      { maxLength: 5 },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${seg(k)}=${seg(v)}`).join('&')}` : ''));
  const jsonBody = fc
    .record(
      {
        by: headText,
        text: headText,
        visibility: fc.constantFrom('internal', 'customer', 'public'),
        status: fc.constantFrom('investigating', 'resolved', 'bogus'),
        tenant: tenantName,
        matchers: fc.oneof(fc.constant(['alertname="FuzzNever"']), fc.array(headText, { maxLength: 3 })),
        endsAt: fc.constantFrom(new Date(Date.now() + 3_600_000).toISOString(), 'tomorrow'),
        createdBy: headText,
        comment: headText,
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b));
  const caller = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom<Caller>('acme', 'globex') },
    { weight: 2, arbitrary: fc.constantFrom<Caller>('viewer', 'shared', 'bogus', 'none') },
  );
  const route = fc.oneof(
    query.map((q) => ({ method: 'GET', path: `/api/v1/incidents${q}` })),
    fc.tuple(id, query).map(([i, q]) => ({ method: 'GET', path: `/api/v1/incidents/${seg(i)}${q}` })),
    fc.tuple(id, fc.constantFrom('acknowledge', 'resolve', 'notes'), jsonBody).map(([i, action, body]) => ({
      method: 'POST',
      path: `/api/v1/incidents/${seg(i)}/${action}`,
      body,
    })),
    id.map((i) => ({ method: 'GET', path: `/api/v1/incidents/${seg(i)}/postmortem` })),
    query.map((q) => ({ method: 'GET', path: `/api/v1/reports/sla${q}` })),
    fc.tuple(tenantName, query).map(([t, q]) => ({ method: 'GET', path: `/api/v1/status/${seg(t)}${q}` })),
    fc.tuple(tenantName, query).map(([t, q]) => ({ method: 'GET', path: `/status/${seg(t)}${q}` })),
    query.map((q) => ({ method: 'GET', path: `/api/v1/silences${q}` })),
    id.map((i) => ({ method: 'GET', path: `/api/v1/silences/${seg(i)}` })),
    id.map((i) => ({ method: 'DELETE', path: `/api/v1/silences/${seg(i)}` })),
    jsonBody.map((body) => ({ method: 'POST', path: '/api/v1/silences', body })),
    fc.tuple(headText, query).map(([s, q]) => ({ method: 'GET', path: `/api/v1/oncall/${seg(s)}${q}` })),
    headText.map((t) => ({ method: 'GET', path: `/ack/${seg(t)}` })),
    fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), headText).map(([method, p]) => ({
      method,
      path: `/api/v1/${seg(p)}`,
    })),
  );
  return fc.tuple(caller, route).map(([c, r]) => ({ caller: c, ...r }));
}

/** Whose seeded incident or silence a path names exactly, if any. */
function ownerOfPath(path: string): Tenant | null {
  for (const t of ['acme', 'globex'] as const) {
    for (const id of [...secrets[t].incidentIds, secrets[t].silenceId]) {
      if (path.startsWith(`/api/v1/incidents/${id}`) || path.startsWith(`/api/v1/silences/${id}`)) {
        const rest = path.slice(path.indexOf(id) + id.length);
        if (rest === '' || rest.startsWith('/') || rest.startsWith('?')) return t;
      }
    }
  }
  return null;
}

describe("tenant tokens on the read APIs: never another tenant's data", () => {
  it('mangled paths, ids and queries with every kind of token: no 5xx, no leak, no change', async () => {
    await checkAsync(
      fc.asyncProperty(apiCase(), async (c) => {
        const owner = ownerOfPath(c.path);
        // A tenant may change its own incidents; the seeded ones stay untouched, to check nobody else did.
        const method = owner !== null && owner === c.caller && c.method !== 'GET' ? 'GET' : c.method;
        const token = TOKEN_OF[c.caller];
        const headers: Record<string, string> = token ? authHeader(token) : {};
        if (c.body !== undefined) headers['content-type'] = 'application/json';
        const r = await client.send({
          method,
          path: c.path,
          headers,
          ...(c.body !== undefined ? { body: c.body } : {}),
        });
        const what = `${method} ${c.path.slice(0, 200)} as ${c.caller}`;
        const html = c.path.startsWith('/ack/') || c.path.startsWith('/status/');
        assertWellAnswered(r, what, html);
        assertNoLeak(c.caller, `${c.path} ${c.body ?? ''}`, r, what);
        if (owner !== null && owner !== c.caller && (c.caller === 'acme' || c.caller === 'globex')) {
          // Another tenant's incident or silence, by its exact id: as if it did not exist.
          assert.equal(r.status, 404, `${what}: ${r.text.slice(0, 300)}`);
        }
      }),
      RUNS.api,
    );
    await assertServing();
  });

  it("after all the fuzzing, each tenant's token lists only its own incidents and silences", async () => {
    for (const t of ['acme', 'globex'] as const) {
      const other = t === 'acme' ? 'globex' : 'acme';
      let cursor = '';
      let pages = 0;
      do {
        const r = await client.send({
          method: 'GET',
          path: `/api/v1/incidents?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
          headers: authHeader(RESPONDER_TOKENS[t]),
        });
        assert.equal(r.status, 200, r.text);
        assertNoLeak(t, '', r, `${t} lists its incidents`);
        for (const i of r.json.incidents) assert.equal(i.tenant, t, JSON.stringify(i).slice(0, 300));
        cursor = r.json.nextCursor ?? '';
        pages++;
      } while (cursor && pages < 100);
      const silences = await client.send({
        method: 'GET',
        path: '/api/v1/silences',
        headers: authHeader(RESPONDER_TOKENS[t]),
      });
      assert.equal(silences.status, 200);
      assertNoLeak(t, '', silences, `${t} lists its silences`);
      for (const s of silences.json.silences) assert.equal(s.tenant, t);
      for (const id of secrets[other].incidentIds) {
        for (const path of [`/api/v1/incidents/${id}`, `/api/v1/incidents/${id}/postmortem`]) {
          const r = await client.send({ method: 'GET', path, headers: authHeader(RESPONDER_TOKENS[t]) });
          assert.equal(r.status, 404, `${t} reading ${path}: ${r.text.slice(0, 200)}`);
        }
      }
    }
    const status = await client.send({ method: 'GET', path: '/api/v1/status/acme', headers: authHeader(VIEWER_TOKEN) });
    assert.equal(status.status, 200);
    assertNoLeak('viewer', '', status, 'the status page');
  });

  it("the seeded incidents were changed by nobody (other tenants' acknowledge/resolve/notes did nothing)", async () => {
    for (const t of ['acme', 'globex'] as const) {
      for (const id of secrets[t].incidentIds) {
        const r = await adminGet(`/api/v1/incidents/${id}`);
        assert.equal(r.json.status, 'triggered', `${t} ${id}: ${r.text.slice(0, 300)}`);
        assert.equal(r.json.acknowledgedBy ?? null, null);
        const events = r.json.timeline as { type: string; text?: string }[];
        for (const e of events) {
          assert.ok(!['incident.acknowledged', 'incident.resolved'].includes(e.type), JSON.stringify(e));
          if (e.type === 'incident.note') assert.equal(e.text, secrets[t].internalNote, JSON.stringify(e));
        }
      }
    }
  });
});

// ---- what fuzzing found, as plain cases (so the default seed checks them too) ----

describe('inputs fuzzing found', () => {
  const json = (token: string) => ({ ...authHeader(token), 'content-type': 'application/json' });
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const cases: { name: string; send: Send; status: number; field?: string; within?: number }[] = [
    {
      name: 'a field nested 5,000 deep, quoted in the error (was: 500, JSON.stringify overflowed)',
      send: {
        path: '/api/v1/alerts/alertmanager',
        headers: json(TOKENS.acme),
        body: `{"version":${deep(5000)},"alerts":[]}`,
      },
      status: 400,
      field: 'version',
    },
    {
      name: 'a generic status nested 20,000 deep (was: 500)',
      send: { path: '/api/v1/alerts', headers: json(TOKENS.acme), body: `{"summary":"x","status":${deep(20_000)}}` },
      status: 400,
      field: 'status',
    },
    {
      name: 'a Zabbix URL of 200,000 slashes (was: seconds of CPU in a backtracking regex)',
      send: {
        path: '/api/v1/alerts/zabbix',
        headers: json(TOKENS.acme),
        body: JSON.stringify({
          event_id: '9',
          event_value: '1',
          trigger_id: '1',
          zabbix_url: `http://${'/'.repeat(200_000)}x`,
        }),
      },
      status: 202,
      within: 2_000,
    },
    {
      name: 'a Zabbix trigger id with a lone surrogate (was: 500, URIError from encodeURIComponent)',
      send: {
        path: '/api/v1/alerts/zabbix',
        headers: json(TOKENS.acme),
        body: '{"event_id":"10","event_value":"1","trigger_id":"\\ud800","zabbix_url":"http://z"}',
      },
      status: 202,
    },
    {
      name: 'a charset body-parser cannot read (was: 415 without a field)',
      send: {
        path: '/api/v1/alerts',
        headers: { ...json(TOKENS.acme), 'content-type': 'application/json; charset=latin1' },
        body: '{}',
      },
      status: 400,
      field: 'Content-Type',
    },
    {
      name: 'an unknown Content-Encoding (was: 415 without a field)',
      send: { path: '/api/v1/alerts', headers: { ...json(TOKENS.acme), 'content-encoding': 'compress' }, body: '{}' },
      status: 400,
      field: 'Content-Encoding',
    },
    {
      name: 'gzip that is not gzip (was: 400 "incorrect header check" without a field)',
      send: {
        path: '/api/v1/alerts',
        headers: { ...json(TOKENS.acme), 'content-encoding': 'gzip' },
        body: '{"summary":"x"}',
      },
      status: 400,
      field: 'Content-Encoding',
    },
    {
      name: 'a PRTG form of 300 fields (was: 413 "too many parameters")',
      send: {
        path: `/api/v1/alerts/prtg/${TOKENS.acme}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Array.from({ length: 300 }, (_, i) => `f${i}=v`).join('&'),
      },
      status: 400,
      field: 'body',
    },
    {
      name: 'broken percent-encoding in the path (was: 400 "bad request" without a field)',
      send: { path: '/api/v1/alerts/prtg/%E0%A4%A', headers: { 'content-type': 'application/json' }, body: '{}' },
      status: 400,
      field: 'path',
    },
    {
      name: 'the source __proto__ in the path (was: 500, `in` found Object.prototype)',
      send: {
        path: `/api/v1/alerts/__proto__/${TOKENS.acme}`,
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
      status: 400,
      field: 'source',
    },
    {
      name: 'the status page of tenant "constructor" (was: 500)',
      send: { method: 'GET', path: '/status/constructor', headers: authHeader(ADMIN_TOKEN) },
      status: 404,
    },
    {
      name: 'a heartbeat of tenant "constructor" (was: 500)',
      send: { path: '/api/v1/heartbeats/watchdog?tenant=constructor', headers: authHeader(ADMIN_TOKEN) },
      status: 404,
    },
    {
      name: 'a silence for tenant "toString" (was: 201, stored for a tenant that does not exist)',
      send: {
        path: '/api/v1/silences',
        headers: json(ADMIN_TOKEN),
        body: JSON.stringify({
          tenant: 'toString',
          matchers: ['alertname="x"'],
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          createdBy: 'fuzz',
          comment: 'fuzz',
        }),
      },
      status: 400,
      field: 'tenant',
    },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.status}`, async () => {
      const t0 = Date.now();
      const r = await client.send(c.send);
      assertWellAnswered(r, c.name);
      assert.equal(r.status, c.status, r.text.slice(0, 300));
      if (c.field !== undefined) assert.equal(r.json.details.field, c.field, r.text);
      if (c.within) assert.ok(Date.now() - t0 < c.within, `${Date.now() - t0} ms`);
    });
  }
});

// ---- after everything ----

describe('after the fuzzing', () => {
  it('the router still applies what it accepts: a new alert of each tenant opens its incident', async () => {
    await assertServing();
    for (const t of ['acme', 'globex'] as const) {
      const title = `sentinel of ${t} ${randomUUID()}`;
      // globex has a rate limit, which the fuzzing may have used up: wait as Retry-After says.
      let r: Reply;
      for (let attempt = 0; ; attempt++) {
        r = await client.send({
          path: '/api/v1/alerts',
          headers: { ...authHeader(TOKENS[t]), 'content-type': 'application/json' },
          body: JSON.stringify({ summary: title, labels: { alertname: 'Sentinel', instance: title } }),
        });
        if (r.status !== 429 || attempt >= 30) break;
        await new Promise((resolve) => setTimeout(resolve, Number(r.headers['retry-after']) * 1000));
      }
      assert.equal(r.status, 202, r.text);
      await waitFor(
        `the sentinel incident of ${t}`,
        async () => {
          const list = await adminGet(`/api/v1/incidents?tenant=${t}&limit=20`);
          return (list.json.incidents as { title: string }[]).some((i) => i.title === title);
        },
        30_000,
      );
    }
  });

  it('reports, postmortems, incident pages and the status page render what the fuzzing stored', async () => {
    // Titles, labels and notes with lone surrogates, NUL, RTL marks, markup and limit-sized text.
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const paths = [
      ...['json', 'csv', 'html'].map((f) => `/api/v1/reports/sla?tenant=acme&from=${from}&to=${to}&format=${f}`),
      '/status/acme',
      '/api/v1/status/acme',
    ];
    const list = await client.send({
      method: 'GET',
      path: '/api/v1/incidents?limit=60',
      headers: authHeader(RESPONDER_TOKENS.acme),
    });
    for (const i of list.json.incidents as { id: string }[]) {
      paths.push(`/api/v1/incidents/${i.id}`, `/api/v1/incidents/${i.id}/postmortem`);
    }
    for (const path of paths) {
      const r = await client.send({ method: 'GET', path, headers: authHeader(RESPONDER_TOKENS.acme) });
      assertWellAnswered(r, `GET ${path}`);
      assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 300)}`);
      assertNoLeak('acme', path, r, `GET ${path}`);
    }
    const page = await client.send({ method: 'GET', path: '/status/acme', headers: authHeader(VIEWER_TOKEN) });
    assert.equal(page.status, 200);
    assertNoLeak('viewer', '', page, 'the status page as HTML');
  });

  it('every stalled or dribbling client was cut off by the server, within its timeouts', async () => {
    const outcomes = await Promise.all(
      slowCases.map(async (c) => {
        const deadline = new Promise<null>((resolve) => setTimeout(() => resolve(null), c.withinMs + 5_000).unref());
        return { c, o: await Promise.race([c.client.outcome, deadline]) };
      }),
    );
    for (const { c, o } of outcomes) {
      assert.ok(o, `the server never closed a slow client (waited ${c.withinMs} ms)`);
      assert.ok(
        o.closedAfterMs !== null && o.closedAfterMs <= c.withinMs,
        `${o.name}: closed after ${o.closedAfterMs} ms`,
      );
      // What it sent, if anything, is an HTTP error, never a 2xx for a request that never arrived.
      if (o.received) assert.match(o.received, c.answer, `${o.name}: ${o.received.slice(0, 200)}`);
    }
    await assertServing();
  });

  it('memory stays bounded and no socket is left open', async () => {
    client.close();
    // Sockets the router still holds for closed clients would stay open here.
    await waitFor('sockets to close', async () => openSockets() <= baselineSockets, 10_000).catch(() => undefined);
    const sockets = openSockets();
    client = new RawClient(router.url);
    await assertServing();
    const heap = heapAfterGc();
    const growthMiB = (heap - baselineHeap) / 1024 / 1024;
    const answered = [...seen.values()].reduce((a, b) => a + b, 0);
    console.log(
      `# fuzz-ingest: heap after GC ${(baselineHeap / 1024 / 1024).toFixed(1)} -> ${(heap / 1024 / 1024).toFixed(1)} MiB ` +
        `(+${growthMiB.toFixed(1)}) over ${answered} requests; TCP sockets ${baselineSockets} -> ${sockets}`,
    );
    assert.ok(sockets <= baselineSockets, `${sockets - baselineSockets} more TCP sockets than before the fuzzing`);
    // Incidents, alert states and events of everything accepted are kept in memory (the read model):
    // that is a few MiB here. Leaking request bodies (up to 4 MiB each) would be far more.
    assert.ok(growthMiB < 64, `heap grew by ${growthMiB.toFixed(1)} MiB`);
  });
});
