import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { NumberEvent } from '../../../types/profile.js';
import { csvRecords, CsvHeaderError } from './csv.js';
import { NumberEventsRejectedError, type IngestIssue } from './errors.js';
import { jsonlRecords } from './jsonl.js';
import { splitLines } from './lines.js';
import { normalizeRecord, type NormalizeContext, type NumberEventRecord } from './records.js';

export { NumberEventsRejectedError } from './errors.js';
export type { IngestIssue } from './errors.js';
export { NUMBER_EVENT_TYPES } from './records.js';
export type { NumberEventRecord } from './records.js';
export { splitCsvLine } from './csv.js';

export type NumberEventFormat = 'csv' | 'jsonl';

/** Deactivation files, carrier renewal notices, the host's own records. */
export type NumberEventSource = AsyncIterable<string | Uint8Array> | string | readonly NumberEventRecord[] | readonly unknown[];

export interface ParseOptions {
  /** Required for streams; taken from the extension for paths (.csv, .jsonl, .ndjson). */
  format?: NumberEventFormat;
  /** CSV column names when the file has no header row. */
  columns?: string[];
  /** Longest accepted line, in characters. Default 4,096. */
  maxLineChars?: number;
}

export type ParsedLine = { line: number; ok: true; phoneHash: string; event: NumberEvent } | { line: number; ok: false; issues: IngestIssue[] };

/** The input is unusable as a whole (unknown format, no header): thrown before anything is stored. */
export function wholeInputError(field: string, message: string, line = 0): NumberEventsRejectedError {
  return new NumberEventsRejectedError([{ line, field, message }], 0);
}

function formatOf(source: NumberEventSource, options: ParseOptions): NumberEventFormat {
  if (options.format) return options.format;
  if (typeof source === 'string') {
    const ext = extname(source).toLowerCase();
    if (ext === '.csv') return 'csv';
    if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  }
  throw wholeInputError('format', 'give format: "csv" or "jsonl" (it cannot be told from this input)');
}

/**
 * Parse, validate, normalise and hash every line. Yields one result per non-blank line, in order;
 * the raw phone number never leaves `normalizeRecord`.
 */
export async function* parseNumberEvents(source: NumberEventSource, options: ParseOptions, context: NormalizeContext): AsyncGenerator<ParsedLine> {
  if (Array.isArray(source)) {
    let index = 0;
    for (const record of source as unknown[]) {
      index += 1;
      yield toParsed(normalizeRecord(record, index, context), index);
    }
    return;
  }
  const isStream = typeof source === 'object' && source !== null && Symbol.asyncIterator in source;
  if (typeof source !== 'string' && !isStream) throw wholeInputError('source', 'a file path, an async iterable of chunks, or an array of records');
  const format = formatOf(source, options);
  if (format !== 'csv' && format !== 'jsonl') throw wholeInputError('format', 'csv or jsonl');
  const chunks = typeof source === 'string' ? createReadStream(source) : (source as AsyncIterable<string | Buffer | Uint8Array>);
  const lines = splitLines(chunks, options.maxLineChars ?? 4_096);
  try {
    const rows = format === 'csv' ? csvRecords(lines, options.columns) : jsonlRecords(lines);
    for await (const row of rows) {
      if ('issue' in row) yield { line: row.line, ok: false, issues: [row.issue] };
      else yield toParsed(normalizeRecord(row.record, row.line, context), row.line);
    }
  } catch (error) {
    if (error instanceof CsvHeaderError) throw wholeInputError('header', error.message, error.line);
    if ((error as NodeJS.ErrnoException)?.code === 'ENOENT' && typeof source === 'string') throw wholeInputError('source', 'no such file');
    throw error;
  } finally {
    if (typeof source === 'string') (chunks as ReturnType<typeof createReadStream>).destroy();
  }
}

function toParsed(result: ReturnType<typeof normalizeRecord>, line: number): ParsedLine {
  return result.ok ? { line, ok: true, phoneHash: result.phoneHash, event: result.event } : { line, ok: false, issues: result.issues };
}
