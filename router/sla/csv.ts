// CSV cells that spreadsheets open as data, never as formulas (security review M5).
// Excel in comma locales splits on `,`; in semicolon locales (de-DE, fr-FR …) it splits on `;` and then sees
// `Disk;=cmd|' /C calc'!A0` as a cell starting with `=`. Quoting alone does not help there (the line is
// split before quotes are read), so every formula start — at the beginning of a field or after a `;`/`,`,
// with or without leading blanks, ASCII or full-width — gets a `'` in front, which makes the cell text.

/** Characters a spreadsheet takes as the start of a formula (plus TAB/CR, which some strip first). */
const FORMULA_START = '=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20';
const AT_FIELD_START = new RegExp(`^(?=\\s*[${FORMULA_START}])`);
const AFTER_SEPARATOR = new RegExp(`([;,])(?=\\s*[${FORMULA_START}])`, 'g');
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Text as a CSV cell: always quoted, formula starts neutralised. Numbers and booleans stay bare. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  const safe = PLAIN_NUMBER.test(s) ? s : s.replace(AT_FIELD_START, "'").replace(AFTER_SEPARATOR, "$1'");
  return `"${safe.replace(/"/g, '""')}"`;
}

export const csvLine = (fields: unknown[]): string => `${fields.map(csvField).join(',')}\r\n`;
