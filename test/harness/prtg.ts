// PRTG's "Execute HTTP Action" as the shipped template integrations/prtg/http-action.txt describes it: the URL
// line (the ingest key in the path) and the one-line form-encoded Postdata whose %placeholders PRTG fills in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export const PRTG_TEMPLATE = readFileSync(new URL('../../integrations/prtg/http-action.txt', import.meta.url), 'utf8');
const lines = PRTG_TEMPLATE.split('\n').map((l) => l.trim());
/** The URL line of the template, e.g. https://switchboard.example/api/v1/alerts/prtg/<INGEST-KEY>. */
export const PRTG_TEMPLATE_URL = lines.find((l) => /^https?:\/\/\S+<INGEST-KEY>$/.test(l));
/** The Postdata line: `sensorid=%sensorid&...`. */
export const PRTG_TEMPLATE_POSTDATA = lines.find((l) => /^\w+=%\w+(&\w+=%\w+)*$/.test(l));

/** The template URL pointed at a router (`base`), with `key` for <INGEST-KEY>. */
export function prtgUrl(base: string, key: string): string {
  assert.ok(PRTG_TEMPLATE_URL, 'http-action.txt has no URL line ending in <INGEST-KEY>');
  const u = new URL(PRTG_TEMPLATE_URL.replace('<INGEST-KEY>', encodeURIComponent(key)));
  return `${base}${u.pathname}`;
}

/** The template Postdata with each `%placeholder` replaced by its (URL-encoded) value; unknown ones stay literal. */
export function prtgPostdata(values: Record<string, string>): string {
  assert.ok(PRTG_TEMPLATE_POSTDATA, 'http-action.txt has no one-line Postdata');
  return PRTG_TEMPLATE_POSTDATA.replace(/%(\w+)/g, (whole, name: string) =>
    values[name] === undefined ? whole : encodeURIComponent(values[name]),
  );
}

/** `26.11.2026 15:14:44`: PRTG's %datetime in a German-locale installation, UTC here. */
export function prtgDateTime(epoch: number): string {
  const d = new Date(epoch);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
