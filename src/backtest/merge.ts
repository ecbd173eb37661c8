/**
 * `backtest merge DIR... --out DIR`: one summary, one report and one decisions.jsonl from the
 * outputs of `backtest --shard k/n`, k = 0..n-1. The shards' counts add up (risk sums are exact,
 * histograms are counts), so the merged summary.json is the one a single run writes, timing aside.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readLines } from './lines.js';
import { firstSamples, SHARD_FILE_KIND, summaryOf, writeOutputs, type BacktestResult, type ShardFile } from './run.js';
import type { SummaryState } from './summary.js';
import { MergeError } from '../errors/backtest-merge-error.js';

export interface MergeOptions {
  /** The shards' output directories, in any order. */
  dirs: string[];
  outDir: string;
  /** decisions.jsonl in input order (each shard's must be: run with --ordered or --workers 1). */
  ordered?: boolean;
}

const sample = z.object({ number: z.number().int(), message: z.string() });
// The summary state is checked for shape where the merge reads it; its counts come from our own writer.
const shardFileSchema = z.object({
  kind: z.literal(SHARD_FILE_KIND),
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }),
  keyCheck: z.number().int(),
  format: z.enum(['jsonl', 'csv', 'parquet']),
  input: z.string(),
  settings: z.record(z.string(), z.unknown()),
  unit: z.enum(['line', 'row']),
  lines: z.number().int().min(0),
  blankLines: z.number().int().min(0),
  malformed: z.number().int().min(0),
  samples: z.array(sample),
  outOfOrder: z.number().int().min(0),
  durationMs: z.number().min(0),
  decisionsOrdered: z.boolean(),
  summary: z.looseObject({
    preset: z.enum(['cloud-drive', 'social', 'fintech']),
    assessed: z.number().int().min(0),
    groups: z.record(z.string(), z.unknown()),
  }),
});

function readShard(dir: string): ShardFile {
  const path = join(dir, 'shard.json');
  if (!existsSync(path)) throw new MergeError(`${dir}: no shard.json (is it the output of backtest --shard k/n?)`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new MergeError(`${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = shardFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MergeError(`${path}: ${issue.path.map(String).join('.') || 'file'}: ${issue.message}`);
  }
  if (parsed.data.shard.index >= parsed.data.shard.count)
    throw new MergeError(`${path}: shard ${parsed.data.shard.index} of ${parsed.data.shard.count} does not exist`);
  return { ...(parsed.data as unknown as ShardFile), summary: parsed.data.summary as unknown as SummaryState };
}

/** The same run cut into shards: every field that is about the input or the settings must agree. */
function checkSameRun(shards: { dir: string; file: ShardFile }[]): void {
  const first = shards[0]!;
  const count = first.file.shard.count;
  const seen = new Map<number, string>();
  for (const { dir, file } of shards) {
    const differs = (what: string) => new MergeError(`${dir} and ${first.dir} are not shards of one run: their ${what} differ`);
    if (file.shard.count !== count) throw differs('shard counts (n in --shard k/n)');
    if (file.keyCheck !== first.file.keyCheck) throw differs('shard keys (--shard-key)');
    if (file.format !== first.file.format || file.unit !== first.file.unit) throw differs('input formats');
    if (file.lines !== first.file.lines || file.blankLines !== first.file.blankLines) throw differs('inputs (line counts)');
    if (JSON.stringify(file.settings) !== JSON.stringify(first.file.settings)) throw differs('settings');
    const twin = seen.get(file.shard.index);
    if (twin !== undefined) throw new MergeError(`${dir} and ${twin} are both shard ${file.shard.index}/${count}`);
    seen.set(file.shard.index, dir);
  }
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !seen.has(index));
  if (missing.length > 0)
    throw new MergeError(
      `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${count}`).join(', ')}: give every shard's directory`,
    );
}

export async function mergeBacktests(options: MergeOptions): Promise<BacktestResult> {
  if (options.dirs.length === 0) throw new MergeError('give the output directories of the shards to merge');
  const shards = options.dirs.map((dir) => ({ dir, file: readShard(dir) })).sort((a, b) => a.file.shard.index - b.file.shard.index);
  checkSameRun(shards);
  if (options.ordered) {
    const unordered = shards.find(({ file }) => !file.decisionsOrdered);
    if (unordered)
      throw new MergeError(`${unordered.dir}: its decisions.jsonl is in worker order; run that shard with --ordered (or --workers 1) to merge in input order`);
  }
  const first = shards[0]!.file;
  const preset = first.summary.preset;
  const summary = summaryOf({
    options: { input: first.input, preset },
    settings: first.settings,
    states: shards.map(({ file }) => file.summary),
    lines: first.lines,
    blankLines: first.blankLines,
    malformed: shards.reduce((sum, { file }) => sum + file.malformed, 0),
    samples: firstSamples(...shards.map(({ file }) => file.samples)),
    outOfOrder: shards.reduce((sum, { file }) => sum + file.outOfOrder, 0),
    // The shards ran side by side: the run took as long as the slowest.
    durationMs: Math.max(...shards.map(({ file }) => file.durationMs)),
  });

  mkdirSync(options.outDir, { recursive: true });
  const decisionsPath = join(options.outDir, 'decisions.jsonl');
  await writeDecisions(
    shards.map(({ dir }) => join(dir, 'decisions.jsonl')),
    decisionsPath,
    Boolean(options.ordered),
  );
  return { summary, files: [decisionsPath, ...writeOutputs(options.outDir, summary)] };
}

const NUMBER = /^\{"(?:line|row)":(\d+)/;

/** Shard after shard, or (ordered) a k-way merge on each record's line or row number. */
async function writeDecisions(paths: string[], out: string, ordered: boolean): Promise<void> {
  for (const path of paths) if (!existsSync(path)) throw new MergeError(`${path}: missing (the shard wrote no decisions)`);
  const stream = createWriteStream(out);
  const write = async (text: string) => {
    if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  try {
    if (!ordered) {
      for (const path of paths) {
        for await (const batch of readLines(path)) await write(batch.map((line) => `${line.text}\n`).join(''));
      }
      return;
    }
    const cursors = paths.map((path) => ({ path, lines: readLines(path), batch: [] as { number: number; text: string }[], at: 0, done: false }));
    const head = async (cursor: (typeof cursors)[number]) => {
      while (!cursor.done && cursor.at >= cursor.batch.length) {
        const next = await cursor.lines.next();
        if (next.done) cursor.done = true;
        else {
          cursor.batch = next.value.map((line) => {
            const match = NUMBER.exec(line.text);
            if (!match) throw new MergeError(`${cursor.path}:${line.number}: not a decisions.jsonl record`);
            return { number: Number(match[1]), text: line.text };
          });
          cursor.at = 0;
        }
      }
      return cursor.done ? undefined : cursor.batch[cursor.at];
    };
    let buffer: string[] = [];
    for (;;) {
      let best: (typeof cursors)[number] | undefined;
      let bestNumber = Infinity;
      for (const cursor of cursors) {
        const record = await head(cursor);
        if (record && record.number < bestNumber) {
          best = cursor;
          bestNumber = record.number;
        }
      }
      if (!best) break;
      buffer.push(`${best.batch[best.at++]!.text}\n`);
      if (buffer.length >= 1000) {
        await write(buffer.join(''));
        buffer = [];
      }
    }
    await write(buffer.join(''));
  } finally {
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

export { MergeError };
