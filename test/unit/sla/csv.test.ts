// CSV formula injection (security review M5): the review's payloads, in comma and semicolon locales.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField } from '../../../router/sla/csv.ts';
import { reportCsv, slaReport } from '../../../router/sla/report.ts';
import { at, incident, level } from './fixtures.ts';

/** The cells a spreadsheet sees when it splits the (unquoted-aware) line on `sep` the way Excel does. */
function cellsAsSplitBy(line: string, sep: ',' | ';'): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let atStart = true;
  for (const ch of line) {
    if (atStart && ch === '"') {
      quoted = true;
      atStart = false;
      continue;
    }
    atStart = false;
    if (quoted && ch === '"') {
      quoted = false;
      continue;
    }
    if (!quoted && ch === sep) {
      cells.push(cell);
      cell = '';
      atStart = true;
      continue;
    }
    cell += ch;
  }
  cells.push(cell);
  return cells;
}

const FORMULA = /^\s*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PAYLOADS = [
  "Disk;=cmd|' /C calc'!A0;",
  'Disk;=HYPERLINK(A1;B1);',
  '=1+1',
  '@SUM(A1)',
  ' =cmd',
  '\t=cmd',
  '\uFF1D1+1',
  '"=HYPERLINK(""http://x"")"',
  'a, =2+3',
  'x;-2+3;+4;@5',
];

describe('csvField', () => {
  for (const p of PAYLOADS) {
    it(`no formula-start cell in either locale: ${JSON.stringify(p)}`, () => {
      const line = ['id1', p, 'end'].map(csvField).join(',');
      for (const sep of [',', ';'] as const) {
        for (const cell of cellsAsSplitBy(line, sep)) assert.doesNotMatch(cell, FORMULA, `${sep}: ${line}`);
      }
    });
  }
  it('quotes every text field and keeps numbers, booleans and empties bare', () => {
    assert.equal(csvField('Web slow'), '"Web slow"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField(-4.167), '-4.167');
    assert.equal(csvField('-4.167'), '"-4.167"', 'a numeric string is data, not a formula');
    assert.equal(csvField(false), 'false');
    assert.equal(csvField(null), '');
    assert.equal(csvField(['a', 'b']), '"a b"');
  });
  it('neutralises with a leading quote and keeps the text readable', () => {
    assert.equal(csvField('Disk;=HYPERLINK(A1;B1);'), `"Disk;'=HYPERLINK(A1;B1);"`);
    assert.equal(csvField('=1+1'), `"'=1+1"`);
  });
});

describe('SLA report CSV', () => {
  it('an alert summary with `;=` does not become a formula in a semicolon locale', () => {
    const evil = { ...incident('e1', 'critical', '2026-03-02T10:00:00Z'), title: "Disk;=cmd|' /C calc'!A0;" };
    const csv = reportCsv(
      slaReport({
        tenant: 'acme',
        displayName: 'Acme',
        level,
        incidents: [evil],
        from: at('2026-03-01T00:00:00Z'),
        to: at('2026-03-08T00:00:00Z'),
        now: at('2026-03-08T00:00:00Z'),
      }),
    );
    for (const line of csv.split('\r\n')) {
      for (const cell of cellsAsSplitBy(line, ';')) assert.doesNotMatch(cell, FORMULA, line);
    }
  });
});
