/**
 * The backtest's inputs: JSONL (one attempt per line), CSV with a header row, or Parquet, as a
 * warehouse exports them. Readers hand out raw records (a line's text, a row's cells) with their
 * line or row number; a decoder turns one into an event. The two are separate so a worker thread
 * can decode what the main thread read, from a spec that crosses threads as plain data.
 *
 * csv-parse and hyparquet are imported when a file of their format is opened, never by the guard.
 */
import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { readLines } from './lines.js';
import { eventTime, type ReplayEvent } from './replay.js';
import { InputFormatError } from '../errors/backtest-input-format-error.js';
import { CellError } from '../errors/backtest-cell-error.js';

export const INPUT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The format a path's extension names (`--format` overrides it); anything else, and stdin, is JSONL. */
export function inputFormat(path: string, given?: InputFormat): InputFormat {
  if (given) return given;
  const extension = extname(path.endsWith('.gz') ? path.slice(0, -3) : path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.parquet' || extension === '.pq') return 'parquet';
  return 'jsonl';
}

export interface RawRecord {
  /** 1-based line (JSONL; CSV: the line the record ends on) or row (Parquet) number. */
  number: number;
  /** JSONL: the line's text. CSV and Parquet: the row's cells, in column order. */
  raw?: string | unknown[];
  /** The reader could not make a record of it (a CSV syntax error); the reason. */
  error?: string;
}

export interface InputReader {
  readonly format: InputFormat;
  /** What `number` counts: lines (JSONL, CSV) or rows (Parquet). */
  readonly unit: 'line' | 'row';
  /** CSV header or Parquet top-level columns; known before the first batch is yielded. */
  readonly columns: string[] | undefined;
  /** Progress total: bytes (JSONL, CSV) or rows (Parquet); unknown for stdin. */
  readonly total: number | undefined;
  /** Every record from the start of the input; `onProgress(done)` counts in the unit of `total`. */
  batches(onProgress?: (done: number) => void): AsyncGenerator<RawRecord[]>;
}

export async function openInput(path: string, format: InputFormat): Promise<InputReader> {
  const size = path === '-' ? undefined : statSync(path).size;
  if (format === 'jsonl') {
    return {
      format,
      unit: 'line',
      columns: undefined,
      total: size,
      async *batches(onProgress) {
        for await (const lines of readLines(path, onProgress)) yield lines.map((line) => ({ number: line.number, raw: line.text }));
      },
    };
  }
  if (format === 'csv') return openCsv(path, size);
  if (path === '-') throw new InputFormatError('Parquet needs a file (its footer is read first), not stdin');
  return openParquet(path);
}

async function openCsv(path: string, size: number | undefined): Promise<InputReader> {
  const { parse } = await import('csv-parse');
  let columns: string[] | undefined;
  const reader: InputReader = {
    format: 'csv',
    unit: 'line',
    get columns() {
      return columns;
    },
    total: size,
    async *batches(onProgress) {
      const source = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
      let bytes = 0;
      source.on('data', (chunk: Buffer | string) => {
        bytes += chunk.length;
      });
      // A syntax error (an unclosed quote) skips that record, reported with its line; the parser resumes after it.
      let skipped: RawRecord[] = [];
      const parser = source.pipe(
        parse({
          info: true,
          bom: true,
          relax_column_count: true,
          skip_empty_lines: true,
          skip_records_with_error: true,
          on_skip: (error) => {
            skipped.push({
              number: Number((error as { lines?: number } | undefined)?.lines ?? 0),
              error: `not valid CSV (${error?.message ?? 'unreadable record'})`,
            });
            return undefined;
          },
        }),
      );
      let batch: RawRecord[] = [];
      let header = true;
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (skipped.length > 0) {
          batch.push(...skipped);
          skipped = [];
        }
        if (header) {
          header = false;
          columns = record.map((name) => name.trim());
          continue;
        }
        batch.push({ number: info.lines, raw: record });
        if (batch.length >= 1000) {
          onProgress?.(bytes);
          yield batch;
          batch = [];
        }
      }
      batch.push(...skipped);
      if (header) throw new InputFormatError('the CSV file has no header row: the first row names the columns');
      onProgress?.(bytes);
      if (batch.length > 0) yield batch;
    },
  };
  return reader;
}

/** A Parquet file as its top-level columns and its row groups, each read on demand (rows in column order). */
export interface ParquetGroups {
  columns: string[];
  /** Rows per row group. */
  sizes: number[];
  read(group: number): Promise<unknown[][]>;
}

export async function parquetGroups(path: string): Promise<ParquetGroups> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InputFormatError(`not a Parquet file (${error instanceof Error ? error.message : String(error)})`);
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  const sizes = metadata.row_groups.map((group) => Number(group.num_rows));
  const starts = sizes.map((_, group) => sizes.slice(0, group).reduce((sum, size) => sum + size, 0));
  return {
    columns,
    sizes,
    async read(group) {
      let rows: unknown[][] = [];
      await parquetRead({
        file,
        metadata,
        columns,
        rowStart: starts[group]!,
        rowEnd: starts[group]! + sizes[group]!,
        rowFormat: 'array',
        onComplete: (read) => (rows = read),
      });
      return rows;
    },
  };
}

async function openParquet(path: string): Promise<InputReader> {
  const groups = await parquetGroups(path);
  return {
    format: 'parquet',
    unit: 'row',
    columns: groups.columns,
    total: groups.sizes.reduce((sum, size) => sum + size, 0),
    async *batches(onProgress) {
      let rowStart = 0;
      for (let group = 0; group < groups.sizes.length; group++) {
        const rows = await groups.read(group);
        for (let offset = 0; offset < rows.length; offset += 1000) {
          const slice = rows.slice(offset, offset + 1000);
          yield slice.map((cells, index) => ({ number: rowStart + offset + index + 1, raw: cells }));
        }
        rowStart += groups.sizes[group]!;
        onProgress?.(rowStart);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fields, --map and decoding

type Kind = 'text' | 'date' | 'bool' | 'list' | 'object' | 'array';

/** Every field an input can carry, with how a CSV or Parquet cell becomes its value. */
const FIELDS: Record<string, Kind> = {
  accountId: 'text',
  phone: 'text',
  phoneBoundAt: 'date',
  ip: 'text',
  userAgent: 'text',
  clientHints: 'object',
  deviceId: 'text',
  action: 'text',
  verified: 'list',
  at: 'date',
  lastSeenAt: 'date',
  defaultCountry: 'text',
  warmup: 'bool',
  label: 'object',
  'label.isTakeover': 'bool',
  'label.scenario': 'text',
  'label.actor': 'text',
  'label.passesStepUp': 'bool',
  'label.passesIdentityCheck': 'bool',
  'label.frequency': 'text',
  number: 'object',
  'number.disconnectedAt': 'date',
  'number.reissuedAt': 'date',
  'number.signal': 'text',
  'number.simChanges': 'array',
};

/** Columns a CSV or Parquet input must have (under their own names or through --map). */
const REQUIRED = ['accountId', 'phone', 'phoneBoundAt', 'ip', 'at'];

/** field -> the column (CSV, Parquet) or key (JSONL) that holds it. */
export type FieldMap = Record<string, string>;

/** `accountId=user_id,phone=msisdn` -> { accountId: 'user_id', phone: 'msisdn' }. */
export function parseFieldMap(text: string): FieldMap {
  const map: FieldMap = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const field = at === -1 ? '' : part.slice(0, at).trim();
    const column = at === -1 ? '' : part.slice(at + 1).trim();
    if (!field || !column) throw new InputFormatError(`--map takes field=column pairs separated by commas, got ${JSON.stringify(part)}`);
    if (!(field in FIELDS)) throw new InputFormatError(`--map: unknown field ${JSON.stringify(field)} (fields: ${Object.keys(FIELDS).join(', ')})`);
    if (field in map) throw new InputFormatError(`--map names ${field} twice`);
    map[field] = column;
  }
  return map;
}

/** What a decoder needs, as plain data (it is sent to worker threads). */
export interface DecoderSpec {
  format: InputFormat;
  /** CSV and Parquet: the columns, in row order. */
  columns?: string[];
  map?: FieldMap;
}

export type Decoded =
  | { event: ReplayEvent; at: number; error?: undefined; blank?: undefined }
  | { error: string; event?: undefined; blank?: undefined }
  | { blank: true; event?: undefined; error?: undefined };

/** Checks every format shares once the record is an object: the label's shape and the event time. */
function checked(record: Record<string, unknown>): Decoded {
  if (record.label !== undefined) {
    const label = record.label as Record<string, unknown> | null;
    if (typeof label !== 'object' || label === null || typeof label.isTakeover !== 'boolean')
      return { error: '"label" must be an object with a boolean "isTakeover"' };
    if (label.scenario !== undefined && typeof label.scenario !== 'string') return { error: '"label.scenario" must be a string' };
  }
  try {
    return { event: record as unknown as ReplayEvent, at: eventTime(record) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function setPath(record: Record<string, unknown>, field: string, value: unknown): void {
  const dot = field.indexOf('.');
  if (dot === -1) {
    record[field] = value;
    return;
  }
  const head = field.slice(0, dot);
  const inner = record[head];
  const object = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  object[field.slice(dot + 1)] = value;
  record[head] = object;
}

export function createDecoder(spec: DecoderSpec): (raw: string | unknown[]) => Decoded {
  if (spec.format === 'jsonl') return jsonlDecoder(spec.map);
  return tableDecoder(spec.columns ?? [], spec.map ?? {});
}

function jsonlDecoder(map: FieldMap | undefined): (raw: string | unknown[]) => Decoded {
  const renames = map ? Object.entries(map).filter(([field, key]) => field !== key) : [];
  return (raw) => {
    const text = raw as string;
    if (text.trim() === '') return { blank: true };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { error: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
    const record = value as Record<string, unknown>;
    for (const [field, key] of renames) {
      if (!(key in record)) continue;
      const moved = record[key];
      delete record[key];
      setPath(record, field, moved);
    }
    return checked(record);
  };
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  throw new CellError('expected text');
}

/** ISO-8601 text as given; a Parquet timestamp (Date) or epoch milliseconds (number) as ISO-8601. */
function asDate(value: unknown): string | number {
  if (typeof value === 'string') return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new CellError('not a valid date');
    return value.toISOString();
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  throw new CellError('expected an ISO-8601 date or epoch milliseconds');
}

function asBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new CellError('expected true or false');
}

function asJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new CellError('expected JSON');
  }
}

function asObject(value: unknown): Record<string, unknown> {
  const parsed = asJson(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || parsed instanceof Date) throw new CellError('expected a JSON object');
  return parsed as Record<string, unknown>;
}

function asArray(value: unknown): unknown[] {
  const parsed = asJson(value);
  if (!Array.isArray(parsed)) throw new CellError('expected a JSON array');
  return parsed;
}

/** A JSON array, or names separated by `|`, `,`, `;` or spaces (`sms_otp|password`). */
function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') throw new CellError('expected a list of names');
  const text = value.trim();
  if (text.startsWith('[')) return asArray(text);
  return text.split(/[|,;\s]+/).filter((name) => name !== '');
}

const CONVERT: Record<Kind, (value: unknown) => unknown> = { text: asText, date: asDate, bool: asBool, list: asList, object: asObject, array: asArray };

function tableDecoder(columns: string[], map: FieldMap): (raw: string | unknown[]) => Decoded {
  const index = new Map(columns.map((name, i) => [name, i]));
  for (const [field, column] of Object.entries(map)) {
    if (!index.has(column))
      throw new InputFormatError(`--map ${field}=${column}: the input has no column ${JSON.stringify(column)} (columns: ${columns.join(', ')})`);
  }
  // Whole objects first, so their dotted parts (label.isTakeover, ...) are set on top of them.
  const plan = Object.entries(FIELDS)
    .map(([field, kind]) => ({ field, kind, column: map[field] ?? field }))
    .filter((entry) => index.has(entry.column))
    .sort((a, b) => Number(a.field.includes('.')) - Number(b.field.includes('.')))
    .map((entry) => ({ ...entry, at: index.get(entry.column)!, convert: CONVERT[entry.kind] }));
  const missing = REQUIRED.filter((field) => !plan.some((entry) => entry.field === field));
  if (missing.length > 0) {
    throw new InputFormatError(
      `the input has no column for ${missing.join(', ')} (columns: ${columns.join(', ')}); name them so or use --map ${missing[0]}=<column>`,
    );
  }
  // Dates inside the carrier truth are read as text by the simulated carrier.
  const asIsoText = (value: unknown) => {
    const date = asDate(value);
    return typeof date === 'number' ? new Date(date).toISOString() : date;
  };
  return (raw) => {
    const cells = raw as unknown[];
    if (cells.length !== columns.length) return { error: `${cells.length} fields where the header has ${columns.length}` };
    const record: Record<string, unknown> = {};
    for (const entry of plan) {
      const cell = cells[entry.at];
      if (isEmpty(cell)) continue;
      try {
        const value = entry.field.startsWith('number.') && entry.kind === 'date' ? asIsoText(cell) : entry.convert(cell);
        setPath(record, entry.field, value);
      } catch (error) {
        if (!(error instanceof CellError)) throw error;
        const named = entry.column === entry.field ? `column ${JSON.stringify(entry.column)}` : `column ${JSON.stringify(entry.column)} (${entry.field})`;
        return { error: `${named}: ${error.message}` };
      }
    }
    return checked(record);
  };
}

export { InputFormatError };
