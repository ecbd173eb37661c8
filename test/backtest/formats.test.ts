import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulationEvidence } from '../../src/simulate/replay-evidence.js';
import { InputFormatError, parseFieldMap } from '../../src/backtest/input.js';
import { MalformedLineError, runBacktest } from '../../src/backtest/run.js';
import type { SimEvent } from '../../src/simulate/events.js';
import { simulateText } from '../simulate/helpers.js';
import { decisions, tempDir } from './helpers.js';

/**
 * One simulated stream written three ways: JSONL as the simulator writes it, CSV as a warehouse
 * exports it (flat columns, nested values as JSON text, the account id under another name), and
 * Parquet with typed columns (timestamps, booleans, JSON). Each has malformed rows in the same
 * places: an invalid phone and a missing "at"; the CSV also a row with a field missing, the
 * Parquet a label without its boolean, the JSONL a line that is not JSON.
 */
let dir: string;
let events: (SimEvent | undefined)[];
const paths = { jsonl: '', csv: '', parquet: '' };

/** Index in `events` of each malformed row (undefined entries are format-specific broken rows). */
const INVALID_PHONE = 40;
const NO_AT = 90;
const FORMAT_SPECIFIC = 130;

const COLUMNS = [
  'user_id',
  'phone',
  'phoneBoundAt',
  'ip',
  'userAgent',
  'clientHints',
  'deviceId',
  'action',
  'verified',
  'at',
  'lastSeenAt',
  'label.isTakeover',
  'label.scenario',
  'label.actor',
  'label.passesStepUp',
  'label.frequency',
  'number',
  'warmup',
] as const;

function cellsOf(event: SimEvent): unknown[] {
  return [
    event.accountId,
    event.phone,
    event.phoneBoundAt,
    event.ip,
    event.userAgent,
    event.clientHints,
    event.deviceId,
    event.action,
    event.verified,
    event.at,
    event.lastSeenAt,
    event.label.isTakeover,
    event.label.scenario,
    event.label.actor,
    event.label.passesStepUp,
    event.label.frequency,
    event.number,
    event.warmup,
  ];
}

/** RFC 4180: quote every text field, double the quotes inside. */
function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join('|');
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

beforeAll(async () => {
  dir = tempDir('formats');
  const text = await simulateText({ profile: 'us', accounts: 40, seed: 12 });
  events = text
    .trim()
    .split('\n')
    .slice(0, 400)
    .map((line) => JSON.parse(line) as SimEvent);
  events[INVALID_PHONE] = { ...events[INVALID_PHONE]!, phone: '+1 555' };
  const { at: _at, ...withoutAt } = events[NO_AT]!;
  events[NO_AT] = withoutAt as SimEvent;
  events.splice(FORMAT_SPECIFIC, 0, undefined);

  paths.jsonl = join(dir, 'events.jsonl');
  writeFileSync(paths.jsonl, `${events.map((event) => (event ? JSON.stringify(event) : '{"accountId": "broken",')).join('\n')}\n`);

  paths.csv = join(dir, 'events.csv');
  const rows = events.map((event) => (event ? cellsOf(event).map(csvField).join(',') : '"short-row","+12025550100"'));
  writeFileSync(paths.csv, `${COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`);

  paths.parquet = join(dir, 'events.parquet');
  const column = (index: number) => events.map((event) => (event ? cellsOf(event)[index] : undefined) ?? null);
  const dates = (index: number) => column(index).map((value) => (value === null ? null : new Date(value as string)));
  const accountIds = column(0).map((value, index) => (events[index] ? value : 'label-without-boolean'));
  const scenarios = column(12).map((value, index) => (events[index] ? value : 'L1'));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'accountId', data: accountIds, type: 'STRING' },
      { name: 'phone', data: column(1).map((value) => value ?? '+12025550100'), type: 'STRING' },
      { name: 'phoneBoundAt', data: dates(2).map((value) => value ?? new Date('2020-01-01T00:00:00Z')), type: 'TIMESTAMP' },
      { name: 'ip', data: column(3).map((value) => value ?? '10.1.0.1'), type: 'STRING' },
      { name: 'userAgent', data: column(4), type: 'STRING' },
      { name: 'clientHints', data: column(5), type: 'JSON' },
      { name: 'deviceId', data: column(6), type: 'STRING' },
      { name: 'action', data: column(7), type: 'STRING' },
      { name: 'verified', data: column(8), type: 'JSON' },
      { name: 'at', data: dates(9).map((value, index) => (events[index] ? value : new Date('2024-01-02T00:00:00Z'))), type: 'TIMESTAMP' },
      { name: 'lastSeenAt', data: dates(10), type: 'TIMESTAMP' },
      { name: 'label.isTakeover', data: column(11), type: 'BOOLEAN' },
      { name: 'label.scenario', data: scenarios, type: 'STRING' },
      { name: 'label.actor', data: column(13), type: 'STRING' },
      { name: 'label.passesStepUp', data: column(14), type: 'BOOLEAN' },
      { name: 'label.frequency', data: column(15), type: 'STRING' },
      { name: 'number', data: column(16), type: 'JSON' },
      { name: 'warmup', data: column(17), type: 'BOOLEAN' },
    ],
    // Several row groups, so rows are numbered across them.
    rowGroupSize: 150,
  });
  writeFileSync(paths.parquet, new Uint8Array(buffer));
});

const base = { preset: 'cloud-drive' as const, evidence: simulationEvidence(), progress: false, log: () => {} };
/** decisions.jsonl without the line/row number, which counts the header in a CSV. */
const records = (out: string) =>
  decisions(out)
    .trim()
    .split('\n')
    .map((line) => {
      const { line: _line, row: _row, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });

describe('backtest input formats', () => {
  it('CSV (with --map) and Parquet, each with malformed rows, give the decisions of their JSONL version', { timeout: 120_000 }, async () => {
    const messages: Record<string, string[]> = { jsonl: [], csv: [], parquet: [] };
    const run = (format: keyof typeof paths, extra: object = {}) =>
      runBacktest({ ...base, input: paths[format], outDir: join(dir, `out-${format}`), log: (message) => messages[format]!.push(message), ...extra });
    const jsonl = await run('jsonl');
    const csv = await run('csv', { map: parseFieldMap('accountId=user_id') });
    const parquet = await run('parquet');

    expect(jsonl.summary.assessed).toBe(events.length - 3);
    for (const summary of [jsonl.summary, csv.summary, parquet.summary]) expect(summary.malformed).toBe(3);
    expect(records(join(dir, 'out-csv'))).toEqual(records(join(dir, 'out-jsonl')));
    expect(records(join(dir, 'out-parquet'))).toEqual(records(join(dir, 'out-jsonl')));
    const strip = (summary: typeof jsonl.summary) => ({
      ...summary,
      input: '',
      durationMs: 0,
      eventsPerSecond: 0,
      lines: 0,
      settings: { ...summary.settings, malformedLines: [] },
    });
    expect(strip(csv.summary)).toEqual(strip(jsonl.summary));
    expect(strip(parquet.summary)).toEqual(strip(jsonl.summary));

    // Numbered as the file is: CSV lines count the header; Parquet rows start at 1.
    const at = (index: number) => index + 1;
    expect(messages.jsonl).toEqual([
      expect.stringMatching(new RegExp(`^line ${at(INVALID_PHONE)}: invalid attempt: phone: `)),
      expect.stringMatching(new RegExp(`^line ${at(NO_AT)}: every line needs "at"`)),
      expect.stringMatching(new RegExp(`^line ${at(FORMAT_SPECIFIC)}: not valid JSON`)),
    ]);
    expect(messages.csv).toEqual([
      expect.stringMatching(new RegExp(`^line ${at(INVALID_PHONE) + 1}: invalid attempt: phone: `)),
      expect.stringMatching(new RegExp(`^line ${at(NO_AT) + 1}: every line needs "at"`)),
      expect.stringMatching(new RegExp(`^line ${at(FORMAT_SPECIFIC) + 1}: 2 fields where the header has 18`)),
    ]);
    expect(messages.parquet).toEqual([
      expect.stringMatching(new RegExp(`^row ${at(INVALID_PHONE)}: invalid attempt: phone: `)),
      expect.stringMatching(new RegExp(`^row ${at(NO_AT)}: every line needs "at"`)),
      expect.stringMatching(new RegExp(`^row ${at(FORMAT_SPECIFIC)}: "label" must be an object with a boolean "isTakeover"`)),
    ]);
    const first = JSON.parse(decisions(join(dir, 'out-parquet')).split('\n')[0]!) as { row: number };
    expect(first.row).toBe(1);
  });

  it('the same on worker threads, and --strict stops at the first malformed line or row', { timeout: 120_000 }, async () => {
    for (const format of ['csv', 'parquet'] as const) {
      const extra = format === 'csv' ? { map: { accountId: 'user_id' } } : {};
      const out = join(dir, `out-${format}-2`);
      await runBacktest({ ...base, input: paths[format], outDir: out, workers: 2, ordered: true, ...extra });
      expect(decisions(out)).toBe(decisions(join(dir, `out-${format}`)));
      const unit = format === 'csv' ? 'line' : 'row';
      const number = INVALID_PHONE + 1 + (format === 'csv' ? 1 : 0);
      for (const workers of [1, 2]) {
        const strict = runBacktest({ ...base, input: paths[format], workers, strict: true, ...extra });
        await expect(strict).rejects.toBeInstanceOf(MalformedLineError);
        await expect(runBacktest({ ...base, input: paths[format], workers, strict: true, ...extra })).rejects.toThrow(
          new RegExp(`^${unit} ${number}: invalid attempt: phone:`),
        );
      }
    }
  });

  it('the format follows the extension or --format; a missing column or an unknown field is named', async () => {
    const renamed = join(dir, 'export.txt');
    writeFileSync(renamed, readFileSync(paths.csv));
    const csv = await runBacktest({ ...base, input: renamed, format: 'csv', map: { accountId: 'user_id' } });
    expect(csv.summary.assessed).toBe(events.length - 3);
    await expect(runBacktest({ ...base, input: paths.csv })).rejects.toThrow(/no column for accountId .*--map accountId=<column>/);
    await expect(runBacktest({ ...base, input: paths.csv, map: { accountId: 'uid' } })).rejects.toThrow(/--map accountId=uid: the input has no column "uid"/);
    await expect(runBacktest({ ...base, input: paths.jsonl, format: 'parquet' })).rejects.toBeInstanceOf(InputFormatError);
    expect(() => parseFieldMap('accountId=user_id,phoneNumber=msisdn')).toThrow(/unknown field "phoneNumber"/);
    expect(() => parseFieldMap('accountId')).toThrow(/field=column/);
    expect(parseFieldMap('accountId=user_id, label.isTakeover=is_fraud')).toEqual({ accountId: 'user_id', 'label.isTakeover': 'is_fraud' });
  });

  it('--map renames JSONL keys too, nested fields included', async () => {
    const renamed = join(dir, 'renamed.jsonl');
    const lines = readFileSync(paths.jsonl, 'utf8').trim().split('\n');
    writeFileSync(
      renamed,
      lines
        .map((line) => {
          try {
            const { accountId, label, ...rest } = JSON.parse(line) as SimEvent;
            const { isTakeover, ...labelRest } = label;
            return JSON.stringify({ user_id: accountId, is_fraud: isTakeover, ...rest, label: labelRest });
          } catch {
            return line;
          }
        })
        .join('\n'),
    );
    await runBacktest({ ...base, input: renamed, outDir: join(dir, 'out-renamed'), map: parseFieldMap('accountId=user_id,label.isTakeover=is_fraud') });
    expect(records(join(dir, 'out-renamed'))).toEqual(records(join(dir, 'out-jsonl')));
  });
});
