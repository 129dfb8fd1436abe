// Request bodies and headers for fuzzing the ingest endpoints: real payloads (the captured
// Alertmanager and Zabbix fixtures, the PRTG HTTP action's form, generic alerts) mutated at random
// places, label floods, raw bytes (truncated, invalid UTF-8, deep nesting), and wrong content types
// and encodings.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  Big,
  deepJson,
  hostileJson,
  type Mutation,
  mutate,
  mutation,
  nastyString,
  toJson,
  trickyString,
} from './values.ts';

export type Source = 'alertmanager' | 'zabbix' | 'prtg' | 'generic';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

/** Real payloads of each source (the captured fixtures; PRTG's form as integrations/prtg sends it). */
export const BASES: Record<Source, unknown[]> = {
  alertmanager: [fixture('alertmanager-0.25-webhook.json')],
  zabbix: [
    fixture('zabbix-6.0.14-webhook-problem.json'),
    fixture('zabbix-6.0.14-webhook-ack.json'),
    fixture('zabbix-6.0.14-webhook-recovery.json'),
  ],
  prtg: [
    {
      sensorid: '2034',
      deviceid: '2030',
      device: 'web01',
      name: 'Ping',
      status: 'Down',
      down: '5 minutes',
      message: 'Request timed out',
      datetime: '26.11.2026 15:14:44',
      lastvalue: '0 msec',
      probe: 'Local Probe',
      group: 'Servers',
      priority: '***',
      tags: 'pingsensor web',
      timezone: 'Europe/Berlin',
    },
  ],
  generic: [
    { summary: 'Disk almost full on db01', severity: 'critical', labels: { alertname: 'DiskFull', instance: 'db01' } },
    [
      {
        summary: 'Backup failed',
        fingerprint: 'backup-db01',
        status: 'firing',
        severity: 'high',
        labels: { alertname: 'BackupFailed', instance: 'db01', customer: 'globex' },
        annotations: { runbook: 'https://runbooks.example/backup' },
        startsAt: '2026-11-26T15:14:44Z',
      },
      { summary: 'Backup failed', fingerprint: 'backup-db01', status: 'resolved', endsAt: '2026-11-26T15:20:00Z' },
    ],
  ],
};

/** The form body of a PRTG payload (an object of strings), or nothing if it is not one. */
function formOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(value)) form.append(k, typeof v === 'string' ? v : toJson(v));
  return form.toString();
}

/** What a body arbitrary makes: the bytes, and the content type it was made for. */
export interface Body {
  what: string;
  bytes: Buffer;
  /** The Content-Type the bytes are (JSON or form); the request may send another. */
  type: 'json' | 'form' | 'none';
  [fc.toStringMethod](): string;
}

function body(what: string, bytes: Buffer | string, type: Body['type']): Body {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
  return {
    what,
    bytes: b,
    type,
    [fc.toStringMethod]: () => `${what} (${b.length} bytes): ${JSON.stringify(b.subarray(0, 160).toString('latin1'))}`,
  };
}

/** A fixture of `source` with some mutations; PRTG's also as a form. */
const mutated = (source: Source) =>
  fc
    .tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([pick, mutations, asForm]: [number, Mutation[], boolean]) => {
      const bases = BASES[source];
      const doc = mutate(bases[pick % bases.length], mutations);
      if (source === 'prtg' && asForm) {
        const form = formOf(doc);
        if (form !== undefined) return body('mutated form', form, 'form');
      }
      return body('mutated payload', toJson(doc), 'json');
    });

/** A label name: valid, or one that a source must reject or sanitise (short: thousands are made of it). */
const labelName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/) },
  { weight: 1, arbitrary: fc.oneof(trickyString, nastyString(12)).map((s) => s.slice(0, 300)) },
);

/** The fixture with one alert's labels (or Zabbix tags, or PRTG fields) replaced by a flood of them. */
const labelFlood = (source: Source) =>
  fc
    .tuple(fc.integer({ min: 40, max: 3000 }), labelName, fc.oneof(nastyString(8), fc.constant('v')))
    .map(([count, prefix, value]) => {
      const labels: Record<string, string> = {};
      for (let i = 0; i < count; i++) labels[`${prefix}${i}`] = value;
      const doc = structuredClone(BASES[source][0]) as Record<string, unknown>;
      if (source === 'alertmanager') {
        (doc['alerts'] as Record<string, unknown>[])[0] = { ...(doc['alerts'] as object[])[0], labels };
      } else if (source === 'zabbix') {
        doc['event_tagsjson'] = JSON.stringify(Object.entries(labels).map(([tag, v]) => ({ tag, value: v })));
      } else if (source === 'generic') {
        doc['labels'] = labels;
      } else {
        Object.assign(doc, labels);
        return body(`${count} form fields`, formOf(doc) ?? '', 'form');
      }
      return body(`${count} labels`, toJson(doc), 'json');
    });

/** Bytes that are not the payload: truncated, binary, invalid UTF-8, deeply nested, empty. */
const rawBody = (source: Source) => {
  const text = toJson(BASES[source][0]);
  return fc.oneof(
    fc.nat().map((n) => body('truncated', text.slice(0, n % text.length), 'json')),
    fc.uint8Array({ maxLength: 2000 }).map((b) => body('random bytes', Buffer.from(b), 'json')),
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom([0xff], [0xfe, 0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x00]),
      )
      .map(([at, bad]) => {
        // Invalid UTF-8 (or a NUL byte) inside the JSON text, mostly inside a string.
        const i = text.indexOf('"', at % text.length) + 1;
        return body(
          'invalid UTF-8',
          Buffer.concat([Buffer.from(text.slice(0, i)), Buffer.from(bad), Buffer.from(text.slice(i))]),
          'json',
        );
      }),
    fc
      .constantFrom(
        '',
        ' ',
        'null',
        'true',
        '0',
        '""',
        '[]',
        '{}',
        '[{}]',
        '\ufeff{}',
        '{"a":1}{"b":2}',
        '{"__proto__":{"x":1}}',
      )
      .map((t) => body('tiny', t, 'json')),
    fc
      .tuple(
        fc.integer({ min: 500, max: 120_000 }),
        fc.constantFrom<'array' | 'object'>('array', 'object'),
        fc.boolean(),
      )
      .map(([depth, kind, inside]) => {
        const deep = deepJson(depth, kind);
        // At the root, or as the value of the payload's first field.
        const bytes = inside ? text.replace(/^(\[?\{"[^"]*":)/, `$1${deep},"_x":`) : deep;
        return body(`nested ${depth} deep`, bytes, 'json');
      }),
  );
};

/** A body of `source`, mostly a mutated real payload. */
export const bodyOf = (source: Source): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: 10, arbitrary: mutated(source) },
    { weight: 2, arbitrary: labelFlood(source) },
    { weight: 3, arbitrary: rawBody(source) },
    {
      weight: 2,
      arbitrary: hostileJson.map((v) =>
        body(v instanceof Big ? String(v[fc.toStringMethod]()) : 'any JSON', toJson(v), 'json'),
      ),
    },
  );

/** A body just over `limit` bytes: a valid payload padded with whitespace. */
export function overLimit(source: Source, limit: number, extra: number): Body {
  const text = toJson(BASES[source][0]);
  return body(`over the limit by ${extra}`, text + ' '.repeat(limit - text.length + extra), 'json');
}

// ---- headers ----

/** Printable ASCII only: what an HTTP client can put in a header at all. */
const headerText = nastyString(30).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

/** The Content-Type to send for a body of `type`: mostly right, sometimes wrong or odd. */
export const contentType = (type: Body['type']) =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.constant(
        type === 'form' ? 'application/x-www-form-urlencoded' : type === 'json' ? 'application/json' : undefined,
      ),
    },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=UTF-8',
        'APPLICATION/JSON',
        'application/vnd.api+json',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; charset=nonsense',
        'application/x-www-form-urlencoded; charset=iso-8859-1',
        'application/x-www-form-urlencoded',
        'text/plain',
        'text/html',
        'multipart/form-data; boundary=xyz',
        'application/octet-stream',
        '',
        '*/*',
        'application/json; boundary=',
        undefined,
      ),
    },
    { weight: 1, arbitrary: headerText },
  );

export interface Encoding {
  name: string;
  headers: Record<string, string>;
  encode(bytes: Buffer): Buffer;
}

let bomb: Buffer | undefined;

const encodings: Encoding[] = [
  { name: 'gzip', headers: { 'content-encoding': 'gzip' }, encode: (b) => gzipSync(b) },
  { name: 'deflate', headers: { 'content-encoding': 'deflate' }, encode: (b) => deflateSync(b) },
  {
    name: 'br',
    headers: { 'content-encoding': 'br' },
    // Brotli's default quality takes seconds for a MiB.
    encode: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
  },
  { name: 'gzip, not gzip', headers: { 'content-encoding': 'gzip' }, encode: (b) => b },
  { name: 'truncated gzip', headers: { 'content-encoding': 'gzip' }, encode: (b) => gzipSync(b).subarray(0, 12) },
  { name: 'compress', headers: { 'content-encoding': 'compress' }, encode: (b) => b },
  { name: 'gzip, gzip', headers: { 'content-encoding': 'gzip, gzip' }, encode: (b) => gzipSync(gzipSync(b)) },
  {
    // 40 KB of gzip that inflates past any body limit.
    name: 'gzip bomb',
    headers: { 'content-encoding': 'gzip' },
    encode: () => {
      bomb ??= gzipSync(Buffer.alloc(48 * 1024 * 1024, 0x20));
      return bomb;
    },
  },
];

const IDENTITY: Encoding = { name: 'identity', headers: {}, encode: (b) => b };

/** How the body travels: mostly as it is, sometimes compressed (rightly or wrongly). */
export const encoding = fc.oneof(
  { weight: 14, arbitrary: fc.constant(IDENTITY) },
  { weight: 3, arbitrary: fc.constantFrom(...encodings) },
);
