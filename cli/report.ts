import { renameSync, writeFileSync } from 'node:fs';
import { type Command, parse, positiveInt, UsageError } from './usage.ts';

const USAGE = `Usage: switchboard report --tenant T --from TIME --to TIME [--format json|csv|html] [--output FILE]
                          [--url URL] [--token TOKEN] [--timeout SECONDS] [--quiet]

Reads the SLA report of a tenant and period from a running router (GET /api/v1/reports/sla) and writes it to
standard output, or to FILE. The period is [from, to): RFC 3339 times, or dates (2026-03-01 is midnight UTC).
Incidents count in the period they opened in; the report also shows the previous period of the same length.

  --url      the router (default $SWITCHBOARD_URL, else http://127.0.0.1:8080)
  --token    the admin token or the tenant's ingest token (default $SWITCHBOARD_ADMIN_TOKEN)
  --timeout  give up after this many seconds (default 300)
  --quiet    no progress on standard error

Exit codes: 0 written; 1 the router answered with an error (its message is printed) or FILE could not be
written; 2 usage error; 3 the router could not be reached or did not answer in time.`;

const FORMATS = ['json', 'csv', 'html'] as const;

function instant(text: string, flag: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be an RFC 3339 time or a date (2026-03-01), got "${text}"`);
  return new Date(ms).toISOString();
}

/** Why fetch failed, in a few words (ECONNREFUSED, ENOTFOUND, a timeout). */
function cause(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'no answer in time';
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** Where the command writes and what environment it reads (a test passes its own). */
export interface ReportIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

const processIo: ReportIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
};

export const reportCommand: Command = {
  name: 'report',
  summary: "read a tenant's SLA report from the router (JSON, CSV or HTML)",
  usage: USAGE,
  run: (args) => runReport(args),
};

/** The command: resolves to its exit code; throws UsageError for a wrong invocation (exit 2 in cli/main.ts). */
export async function runReport(args: string[], io: ReportIo = processIo): Promise<number> {
  const { values } = parse(args, {
    tenant: { type: 'string', short: 't' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string', short: 'f', default: 'json' },
    output: { type: 'string', short: 'o' },
    url: { type: 'string' },
    token: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    quiet: { type: 'boolean', short: 'q', default: false },
  });
  if (!values.tenant) throw new UsageError('--tenant is required');
  if (!values.from || !values.to) throw new UsageError('--from and --to are required');
  const from = instant(values.from, '--from');
  const to = instant(values.to, '--to');
  if (to <= from) throw new UsageError('--to must be after --from');
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of: ${FORMATS.join(', ')}`);
  const token = values.token ?? io.env['SWITCHBOARD_ADMIN_TOKEN'];
  if (!token) throw new UsageError('give --token or set SWITCHBOARD_ADMIN_TOKEN');
  const timeoutS = positiveInt(values.timeout, '--timeout');
  let base: URL;
  try {
    base = new URL(values.url ?? io.env['SWITCHBOARD_URL'] ?? 'http://127.0.0.1:8080');
  } catch {
    throw new UsageError(`--url must be a URL, got "${values.url}"`);
  }
  const url = new URL('/api/v1/reports/sla', base);
  url.search = new URLSearchParams({ tenant: values.tenant, from, to, format }).toString();

  const say = (msg: string) => {
    if (!values.quiet) io.err(`switchboard report: ${msg}\n`);
  };
  const started = Date.now();
  say(`reading ${values.tenant} ${from} – ${to} from ${base.origin}`);
  // The router reads the tenant's audit trail: a long period of a big tenant takes a while.
  const ticker = setInterval(() => say(`still waiting (${Math.round((Date.now() - started) / 1000)} s)`), 5_000);
  let res: Response;
  let body: string;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: format === 'json' ? 'application/json' : '*/*' },
      signal: AbortSignal.timeout(timeoutS * 1000),
    });
    body = await res.text();
  } catch (e) {
    io.err(`switchboard report: cannot reach the router at ${base.origin}: ${cause(e)}\n`);
    return 3;
  } finally {
    clearInterval(ticker);
  }
  if (!res.ok) {
    let message = body.trim().slice(0, 500);
    try {
      const j = JSON.parse(body) as { error?: string; details?: { field?: string } };
      if (j.error) message = `${j.error}${j.details?.field ? ` (${j.details.field})` : ''}`;
    } catch {
      // not JSON: the text as it is
    }
    io.err(`switchboard report: the router answered ${res.status}: ${message}\n`);
    return 1;
  }
  const out = format === 'json' ? `${JSON.stringify(JSON.parse(body), null, 2)}\n` : body;
  if (values.output) {
    // Written whole or not at all: a half-written report is never left behind.
    const tmp = `${values.output}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, out);
      renameSync(tmp, values.output);
    } catch (e) {
      io.err(`switchboard report: cannot write ${values.output}: ${(e as Error).message}\n`);
      return 1;
    }
    say(`wrote ${values.output} (${Buffer.byteLength(out)} bytes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    io.out(out);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return 0;
}
