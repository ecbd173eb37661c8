import { availableParallelism } from 'node:os';
import { InputFormatError, INPUT_FORMATS, inputFormat, parseFieldMap, type InputFormat } from '../../backtest/input.js';
import { mergeBacktests, MergeError } from '../../backtest/merge.js';
import { runBacktest, MalformedLineError, type BacktestResult } from '../../backtest/run.js';
import { parseShard } from '../../backtest/shard.js';
import type { BacktestSummary } from '../../backtest/summary.js';
import { PRESET_NAMES } from '../../core/policy.js';
import { simulationEvidence } from '../../simulate/replay-evidence.js';
import type { PresetName } from '../../types/index.js';
import type { CliCommand } from '../command.js';
import { Args, UsageError } from './args.js';

const USAGE = `recycled-number-guard backtest <events.jsonl | events.csv | events.parquet | -> [options]
recycled-number-guard backtest merge <shard-dir>... --out DIR [--ordered]

Replays login attempts (the simulator's, or your own logs: one AttemptInput per line or row with "at";
"label": {"isTakeover": bool, "scenario": "..."} optional) through the guard in event time.

  --preset cloud-drive|social|fintech   policy to replay (default cloud-drive)
  --out DIR                             write decisions.jsonl, summary.json, report.html (default backtest-output)
  --format jsonl|csv|parquet            input format (default: from the file extension; stdin is JSONL)
  --map field=column,...                columns (CSV, Parquet) or keys (JSONL) under other names,
                                        e.g. accountId=user_id,phone=msisdn,label.isTakeover=is_fraud
  --strict                              stop at the first malformed line or row (exit 1) instead of skipping it
  --workers N                           worker threads (default: the available cores, ${availableParallelism()} here);
                                        1 decides on the main thread; decisions are the same for any N
  --ordered                             decisions.jsonl in input order (default with N > 1: shard by shard)
  --shard k/n                           replay only shard k of n (0 <= k < n), for n machines; writes
                                        shard.json next to the outputs for "backtest merge"
  --shard-key TEXT                      key of the shard hash (the same on every shard of a run)
  --no-intel                            no carrier evidence, even when lines carry the simulator's "number" truth
  --intel-signal exact|coarse|missing   answer every number as if its carrier offered this (ablations)
  --geo auto|sim|none|default           geolocation: auto = the simulator's table for simulator output,
                                        else the guard's default (geoip-lite); none = region signal off
  --no-outcomes                         do not complete step-ups from label.passesStepUp
  --progress                            progress bar on stderr even when it is not a terminal

merge combines the output directories of "--shard 0/n" ... "--shard n-1/n" into one summary.json,
report.html and decisions.jsonl (shard by shard, or in input order with --ordered).`;

function report(summary: BacktestSummary, files: string[], unit: string): string {
  const scored = Math.max(1, summary.scored);
  const lines = [
    `${summary.assessed.toLocaleString('en-US')} attempts assessed (${summary.warmup.toLocaleString('en-US')} warm-up), ${summary.malformed} malformed ${unit}s skipped, ${summary.eventsPerSecond.toLocaleString('en-US')}/s`,
    `scored: allow ${((summary.actions.allow / scored) * 100).toFixed(2)}%, step-up ${((summary.actions.step_up / scored) * 100).toFixed(2)}%, deny ${((summary.actions.deny / scored) * 100).toFixed(2)}%`,
  ];
  if (summary.legit && summary.takeoverFirst && summary.takeoverFirst.n > 0) {
    const legit = summary.legit;
    const first = summary.takeoverFirst;
    lines.push(
      `legitimate logins stepped up or denied: ${(((legit.step_up + legit.deny) / legit.n) * 100).toFixed(2)}% of ${legit.n.toLocaleString('en-US')}`,
      `takeovers caught at their first login: ${(((first.step_up + first.deny) / first.n) * 100).toFixed(2)}% of ${first.n.toLocaleString('en-US')}; AUC ${summary.roc?.aucFirst.toFixed(4)}`,
    );
  }
  lines.push(`wrote ${files.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

async function merge(argv: string[]): Promise<number> {
  let options;
  try {
    const args = new Args(argv);
    const outDir = args.value('--out');
    const ordered = args.flag('--ordered');
    const dirs = args.positionals();
    if (!outDir) throw new UsageError('merge needs --out DIR');
    if (dirs.length === 0) throw new UsageError('give the output directories of the shards to merge');
    options = { dirs, outDir, ordered };
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  try {
    const { summary, files } = await mergeBacktests(options);
    process.stdout.write(report(summary, files, 'line'));
    return 0;
  } catch (error) {
    if (error instanceof MergeError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export const backtestCommand: CliCommand = {
  name: 'backtest',
  summary: 'replay attempts (JSONL, CSV, Parquet) through the guard, on every core or sharded; merge shards',
  usage: USAGE,
  async run(argv) {
    if (argv[0] === 'merge') return merge(argv.slice(1));
    let options;
    try {
      const args = new Args(argv);
      const preset = args.choice('--preset', PRESET_NAMES as PresetName[], 'cloud-drive');
      const outDir = args.value('--out') ?? 'backtest-output';
      const format = args.value('--format');
      if (format !== undefined && !INPUT_FORMATS.includes(format as InputFormat)) throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}`);
      const mapText = args.value('--map');
      const map = mapText === undefined ? undefined : parseFieldMap(mapText);
      const strict = args.flag('--strict');
      const workers = args.integer('--workers', availableParallelism(), 1);
      const ordered = args.flag('--ordered');
      const shardText = args.value('--shard');
      let shard;
      try {
        shard = shardText === undefined ? undefined : parseShard(shardText);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const shardKey = args.value('--shard-key');
      const noIntel = args.flag('--no-intel');
      const signal = args.value('--intel-signal');
      if (signal !== undefined && !['exact', 'coarse', 'missing'].includes(signal)) throw new UsageError('--intel-signal must be exact, coarse or missing');
      const geo = args.choice('--geo', ['auto', 'sim', 'none', 'default'] as const, 'auto');
      const noOutcomes = args.flag('--no-outcomes');
      const progress = args.flag('--progress') ? true : 'auto';
      const [input, ...extra] = args.positionals();
      if (!input || extra.length > 0) throw new UsageError('give exactly one input file (or - for stdin)');
      options = {
        input,
        preset,
        outDir,
        ...(format ? { format: format as InputFormat } : {}),
        ...(map ? { map } : {}),
        strict,
        workers,
        ordered,
        ...(shard ? { shard } : {}),
        ...(shardKey ? { shardKey } : {}),
        intel: noIntel ? ('none' as const) : ('auto' as const),
        // Simulator output gets the simulator's geolocation table and carrier (which answers from its ground truth).
        evidence: simulationEvidence(signal ? { signal: signal as 'exact' | 'coarse' | 'missing' } : {}),
        geo: geo === 'sim' ? ('evidence' as const) : geo,
        replayOutcomes: !noOutcomes,
        progress: progress as boolean | 'auto',
      };
    } catch (error) {
      if (error instanceof UsageError || error instanceof InputFormatError) {
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        return 2;
      }
      throw error;
    }
    let result: BacktestResult;
    try {
      result = await runBacktest(options);
    } catch (error) {
      if (error instanceof MalformedLineError) {
        process.stderr.write(`${error.message} (--strict: stopped)\n`);
        return 1;
      }
      if (error instanceof InputFormatError) {
        process.stderr.write(`${options.input}: ${error.message}\n`);
        return 2;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        process.stderr.write(`cannot read ${options.input}: no such file\n`);
        return 2;
      }
      throw error;
    }
    process.stdout.write(report(result.summary, result.files, inputFormat(options.input, options.format) === 'parquet' ? 'row' : 'line'));
    return 0;
  },
};
