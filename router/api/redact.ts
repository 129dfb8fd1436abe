// Credentials some clients can only send in the URL (PRTG's path key, `?token=` on status pages, signed
// `/ack/<token>` links) must not reach the log: whoever reads the log could otherwise ingest, read or
// acknowledge as that tenant (security review M3). Every log line that prints a path or URL goes through here.

const REDACTED = '[redacted]';
/** Query parameters that carry a credential. */
const SECRET_PARAMS = new Set(['token', 'key', 'access_token']);

/** The path (and query, if any) with path keys, ack tokens and token parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  return redactPath(path) + (q < 0 ? '' : `?${redactQuery(query)}`);
}

function redactPath(path: string): string {
  const segments = path.split('/');
  // ['', 'api', 'v1', 'alerts', source, key, …]: everything after the source may be the key.
  if (segments[1] === 'api' && segments[2] === 'v1' && segments[3] === 'alerts' && segments.length > 5) {
    return [...segments.slice(0, 5), REDACTED].join('/');
  }
  if (segments[1] === 'ack' && segments.length > 2) return `/ack/${REDACTED}`;
  return path;
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}
