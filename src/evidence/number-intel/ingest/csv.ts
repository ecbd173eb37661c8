import type { IngestIssue } from './errors.js';
import type { InputLine } from './lines.js';
import { CsvHeaderError } from '../../../errors/csv-header-error.js';

/**
 * RFC 4180 fields of one line: commas separate, double quotes enclose, `""` is a quote inside a
 * quoted field. A record must fit on one line (line numbers stay exact); an unclosed quote is an error.
 */
export function splitCsvLine(text: string): string[] | { error: string } {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let fieldStart = true;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        // After a closing quote only a separator (or the end) may follow.
        if (i < text.length && text[i] !== ',') return { error: `unexpected character after a closing quote at column ${i + 1}` };
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStart = true;
      i += 1;
      continue;
    }
    if (ch === '"' && fieldStart && field.trim() === '') {
      quoted = true;
      field = '';
      fieldStart = false;
      i += 1;
      continue;
    }
    field += ch;
    fieldStart = false;
    i += 1;
  }
  if (quoted) return { error: 'unclosed quote (a record must fit on one line)' };
  fields.push(field);
  return fields;
}

const KNOWN = ['phone', 'type', 'date', 'source'] as const;
const REQUIRED = ['phone', 'type', 'date'] as const;

export type CsvRow = { line: number; record: Record<string, string> } | { line: number; issue: IngestIssue };

/**
 * CSV rows as records. The first non-empty line is the header (column names, case-insensitive,
 * extra columns ignored) unless `columns` is given. A header without phone, type and date fails
 * the whole input: every row would be wrong.
 */
export async function* csvRecords(lines: AsyncIterable<InputLine>, columns: string[] | undefined): AsyncGenerator<CsvRow> {
  let header = columns?.map((name) => name.trim().toLowerCase());
  for await (const { line, text, tooLong } of lines) {
    if (text.trim() === '' && !tooLong) continue;
    if (tooLong) {
      yield { line, issue: { line, field: 'line', message: 'line too long' } };
      continue;
    }
    const fields = splitCsvLine(text);
    if ('error' in fields) {
      if (!header) throw new CsvHeaderError(line, fields.error);
      yield { line, issue: { line, field: 'line', message: fields.error } };
      continue;
    }
    if (!header) {
      header = fields.map((name) => name.trim().toLowerCase());
      const missing = REQUIRED.filter((name) => !header!.includes(name));
      if (missing.length > 0) throw new CsvHeaderError(line, `the header lacks ${missing.join(', ')} (found: ${header.join(', ').slice(0, 200)})`);
      continue;
    }
    if (fields.length !== header.length) {
      yield { line, issue: { line, field: 'line', message: `${fields.length} fields, the header has ${header.length}` } };
      continue;
    }
    const record: Record<string, string> = {};
    header.forEach((name, index) => {
      if ((KNOWN as readonly string[]).includes(name)) record[name] = fields[index]!.trim();
    });
    if (record.source === '') delete record.source;
    yield { line, record };
  }
}

export { CsvHeaderError };
