import type { IngestIssue } from './errors.js';
import type { InputLine } from './lines.js';

export type JsonlRow = { line: number; record: unknown } | { line: number; issue: IngestIssue };

/** One JSON object per line; blank lines are skipped, anything else that is not an object is an error. */
export async function* jsonlRecords(lines: AsyncIterable<InputLine>): AsyncGenerator<JsonlRow> {
  for await (const { line, text, tooLong } of lines) {
    if (tooLong) {
      yield { line, issue: { line, field: 'line', message: 'line too long' } };
      continue;
    }
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, issue: { line, field: 'line', message: `not JSON (${error instanceof Error ? error.message.slice(0, 80) : 'parse error'})` } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, issue: { line, field: 'line', message: 'not a JSON object' } };
      continue;
    }
    yield { line, record: value };
  }
}
