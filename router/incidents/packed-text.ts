// Alert states held in memory packed. The incidents cache keeps one alert state per active alert as its
// JSON text (~800 bytes for a Prometheus alert); at 50,000 alerts those texts were 38 MiB, more than half
// of the router's live heap, and about half of each text is the same keys in the same order.
//
// Packing replaces the substrings every alert state shares (its keys, with the values most alerts have)
// by one control character each. JSON text never contains a raw control character (JSON.stringify
// escapes U+0000-U+001F inside strings), so unpacking is exact whatever the text. The bucket itself
// keeps plain JSON (what `nats kv get` shows); this is the in-memory form only, so the table can change
// between versions.
//
// Why not zlib: deflate against a dictionary packs tighter (~255 bytes), but every call leaves a native
// stream object that only a full collection frees; after a burst of 50,000 alerts glibc's heap had grown
// by ~20 MiB that it never gave back, most of the saving.

/** The substrings packed; the `i`th becomes the character U+0001 + i. */
const TOKENS = [
  '{"fingerprint":"',
  '","source":"alertmanager"',
  '","source":"',
  ',"status":"firing","severity":"',
  ',"status":"resolved","severity":"',
  'warning","summary":"',
  'critical","summary":"',
  '","summary":"',
  '","labels":{"alertname":"',
  '","instance":"',
  '","job":"',
  '","severity":"warning',
  '","severity":"critical',
  '","severity":"',
  '","namespace":"',
  '"},"annotations":{"summary":"',
  '","description":"',
  '","runbook_url":"https://',
  '","generatorURL":"http://',
  '"},"startsAt":"20',
  '","endsAt":null,"changedAt":"20',
  '","endsAt":"20',
  '","changedAt":"20',
  '","receivedAt":"20',
  '","incidentId":"',
  '","flap":{"changes":[',
  '],"flappingSince":null,"pagedFiringAt":null},"muted":null}',
  '],"flappingSince":',
  ',"pagedFiringAt":',
  '},"muted":',
  '","env":"',
];
// U+0001-U+001F: 31 codes.
if (TOKENS.length > 31) throw new Error('packed-text: at most 31 tokens');

const CODE = new Map(TOKENS.map((t, i) => [t, String.fromCharCode(i + 1)]));
const literally = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Alternatives longest first: a pattern takes the first alternative that matches, and one token may begin
// another (`","severity":"` and `","severity":"warning`).
const TOKEN_PATTERN = new RegExp(
  [...TOKENS]
    .sort((a, b) => b.length - a.length)
    .map(literally)
    .join('|'),
  'g',
);
const CODE_PATTERN = /[\u0001-\u001f]/g;

/** The JSON text with its common substrings as single characters. */
export function packText(json: string): string {
  return json.replace(TOKEN_PATTERN, (t) => CODE.get(t) as string);
}

export function unpackText(packed: string): string {
  return packed.replace(CODE_PATTERN, (c) => TOKENS[c.charCodeAt(0) - 1] as string);
}
