/** Ingested reissue / deactivation events: CSV and JSONL files and streams, records, errors by line. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard, InvalidInputError, memoryStore, type Store } from 'recycled-number-guard';
import type { NumberEvent } from 'recycled-number-guard/store';
import { NumberEventsRejectedError } from '../../src/evidence/number-intel/ingest/index.js';
import { splitLines } from '../../src/evidence/number-intel/ingest/lines.js';
import { createHasher } from '../../src/persist/keys.js';

const KEY = 'ingest-tests-key-0123456789';
const NOW = Date.parse('2026-01-10T09:30:00Z');
const hash = createHasher([KEY]).phone;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rng-ingest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A memory store that also records every addNumberEvents call, to check what reaches storage. */
function recordingStore() {
  const inner = memoryStore({ now: () => NOW });
  const writes: { phone: string; events: NumberEvent[] }[] = [];
  const store: Store = {
    ...inner,
    name: inner.name,
    capabilities: inner.capabilities,
    read: (keys, signal) => inner.read(keys, signal),
    write: (write, limits, signal) => inner.write(write, limits, signal),
    takePending: (id) => inner.takePending(id),
    addNumberEvents: async (phone, events) => {
      writes.push({ phone, events });
      await inner.addNumberEvents(phone, events);
    },
  };
  return { store, writes, events: async (e164: string) => (await inner.read({ account: 'x', phone: hash(e164) })).numberEvents };
}

function setup() {
  const recorded = recordingStore();
  const guard = createGuard({ store: recorded.store, hashKey: KEY, clock: () => NOW, geo: false, defaultCountry: 'US' });
  return { guard, ...recorded };
}

async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('CSV', () => {
  it('reads a file with a header, quotes, CRLF and a BOM; skips bad lines with their line numbers', async () => {
    const path = join(dir, 'deactivations.csv');
    await writeFile(
      path,
      '\uFEFFphone,type,date,source,extra\r\n' +
        '+14155552671,disconnected,2025-05-01,"carrier, daily file",x\r\n' +
        '(201) 555-0123,REISSUED,2025-07-01T10:00:00Z,,y\r\n' +
        '\r\n' +
        '+14155552671,teleported,2025-05-01,f,z\r\n' +
        'not-a-number,ported,2025-05-01,f,z\r\n' +
        '+14155552671,sim_change,01/05/2025,f,z\r\n' +
        '+14155552671,sim_change,2027-01-01,f,z\r\n' +
        '+14155552671,ported\r\n' +
        '"+14155552671,ported,2025-01-01,f,z\r\n',
    );
    const { guard, writes, events } = setup();
    const result = await guard.ingestNumberEvents(path);
    expect(result).toMatchObject({ accepted: 2, rejected: 6, errorsTruncated: false });
    expect(result.errors).toEqual([
      { line: 5, field: 'type', message: expect.stringContaining('expected one of') },
      { line: 6, field: 'phone', message: expect.any(String) },
      { line: 7, field: 'date', message: expect.stringContaining('not an ISO-8601 date') },
      { line: 8, field: 'date', message: 'in the future' },
      { line: 9, field: 'line', message: '2 fields, the header has 5' },
      { line: 10, field: 'line', message: expect.stringContaining('unclosed quote') },
    ]);
    expect(await events('+14155552671')).toEqual([{ type: 'disconnected', at: Date.parse('2025-05-01'), source: 'carrier, daily file' }]);
    expect(await events('+12015550123')).toEqual([{ type: 'reissued', at: Date.parse('2025-07-01T10:00:00Z'), source: 'ingested' }]);
    // Only keyed hashes reach the store, never the numbers.
    const stored = JSON.stringify(writes);
    for (const digits of ['4155552671', '2015550123']) expect(stored).not.toContain(digits);
  });

  it('a file without the required columns fails as a whole, naming the header', async () => {
    const path = join(dir, 'no-header.csv');
    await writeFile(path, 'number,kind\n+14155552671,disconnected\n');
    const { guard, writes } = setup();
    const error = await guard.ingestNumberEvents(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NumberEventsRejectedError);
    expect(error).toMatchObject({ field: 'header', line: 1 });
    expect((error as Error).message).toContain('lacks phone, type, date');
    expect(writes).toHaveLength(0);
  });

  it('header-less files with columns given', async () => {
    const { guard, events } = setup();
    const result = await guard.ingestNumberEvents(chunks('+14155552671,2025-03-03,ported\n', 7), {
      format: 'csv',
      columns: ['phone', 'date', 'type'],
      source: 'port-file',
    });
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await events('+14155552671')).toEqual([{ type: 'ported', at: Date.parse('2025-03-03'), source: 'port-file' }]);
  });
});

describe('JSONL', () => {
  it('streams chunks cut anywhere (inside lines and multi-byte characters)', async () => {
    const text = [
      JSON.stringify({ phone: '+8613800138000', type: 'reissued', date: '2025-09-01', source: '二次号码焕新 notice' }),
      '',
      '{"phone": "+14155552671", "type": "sim_change", "date": 1748736000000}',
      '[1,2,3]',
      '{"phone": "+14155552671", "type": "disconnected"',
      JSON.stringify({ phone: '+14155552671', type: 'disconnected', date: '2025-06-01', source: 'x'.repeat(101) }),
    ].join('\n');
    for (const size of [1, 3, 7, 64]) {
      const { guard, events } = setup();
      const result = await guard.ingestNumberEvents(chunks(text, size), { format: 'jsonl' });
      expect(result.accepted).toBe(2);
      expect(result.errors.map((issue) => [issue.line, issue.field])).toEqual([
        [4, 'line'],
        [5, 'line'],
        [6, 'source'],
      ]);
      expect(await events('+8613800138000')).toEqual([{ type: 'reissued', at: Date.parse('2025-09-01'), source: '二次号码焕新 notice' }]);
      expect(await events('+14155552671')).toEqual([{ type: 'sim_change', at: 1748736000000, source: 'ingested' }]);
    }
  });

  it('an overlong line is rejected without reading it into memory whole', async () => {
    const { guard } = setup();
    const long = `{"phone":"+14155552671","type":"ported","date":"2025-01-01","source":"${'y'.repeat(10_000)}"}`;
    const result = await guard.ingestNumberEvents(chunks(`${long}\n{"phone":"+14155552671","type":"ported","date":"2025-01-02"}\n`, 1000), {
      format: 'jsonl',
      maxLineChars: 200,
    });
    expect(result).toMatchObject({ accepted: 1, rejected: 1 });
    expect(result.errors[0]).toEqual({ line: 1, field: 'line', message: 'line too long' });
  });

  it('strict: one bad line stores nothing and throws a typed error with the line and field', async () => {
    const path = join(dir, 'notices.jsonl');
    await writeFile(path, '{"phone":"+14155552671","type":"reissued","date":"2025-01-01"}\n{"phone":"+14155552671","type":"reissued","date":"someday"}\n');
    const { guard, writes } = setup();
    const error = await guard.ingestNumberEvents(path, { strict: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NumberEventsRejectedError);
    expect(error).toMatchObject({ line: 2, field: 'date', rejected: 1 });
    expect(writes).toHaveLength(0);
    const relaxed = await guard.ingestNumberEvents(path);
    expect(relaxed).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('a stream needs a format; bad options are InvalidInputError naming the option', async () => {
    const { guard } = setup();
    await expect(guard.ingestNumberEvents(chunks('{}', 2))).rejects.toMatchObject({ field: 'format' });
    await expect(guard.ingestNumberEvents(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ field: 'source' });
    const error = await guard.ingestNumberEvents([], { format: 'xml' as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).fields).toEqual(['options.format']);
  });
});

describe('records and their effect on assess', () => {
  it('records are validated like lines (index + 1), and a stored reissue answers offline', async () => {
    const { guard } = setup();
    const result = await guard.ingestNumberEvents([
      { phone: '+14155552671', type: 'reissued', date: '2025-11-01', source: 'crm' },
      { phone: '+14155552671', type: 'reissued', date: new Date('2025-11-01'), source: 'crm' },
      { phone: '+14155552671', type: 'lost', date: '2025-11-01' },
      { type: 'reissued', date: '2025-11-01' },
    ] as never);
    expect(result).toMatchObject({ accepted: 2, rejected: 2 });
    expect(result.errors.map((issue) => [issue.line, issue.field])).toEqual([
      [3, 'type'],
      [4, 'phone'],
    ]);
    const decision = await guard.assess({ accountId: 'a', phone: '+1 415 555 2671', phoneBoundAt: '2024-01-01', ip: '192.0.2.1' });
    expect(decision.numberChangedHands).toBe('yes');
    expect(decision.reasons.find((reason) => reason.code === 'number_reissued_after_binding')?.message).toMatch(/^crm: the number changed subscriber/);
    // An event before the binding says nothing about this account.
    const older = await guard.assess({ accountId: 'b', phone: '+14155552671', phoneBoundAt: '2025-12-01', ip: '192.0.2.1' });
    expect(older.numberChangedHands).not.toBe('yes');
  });
});

describe('line splitting', () => {
  it('any chunking of any text gives the same lines as splitting it whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
        async (lines, cuts) => {
          const text = lines.map((line) => line.replaceAll('\n', ' ').replaceAll('\r', ' ')).join('\n');
          const bytes = Buffer.from(text);
          const pieces: Buffer[] = [];
          for (let i = 0, k = 0; i < bytes.length; k++) {
            const size = cuts[k % cuts.length]!;
            pieces.push(bytes.subarray(i, i + size));
            i += size;
          }
          async function* source() {
            yield* pieces;
          }
          const out: string[] = [];
          for await (const line of splitLines(source(), 10_000)) out.push(line.text);
          // A final newline ends the last line; it does not start an empty one.
          const expected = text.split('\n');
          if (expected.at(-1) === '') expected.pop();
          expect(out).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
