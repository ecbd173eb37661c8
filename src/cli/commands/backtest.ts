import { runBacktest, MalformedLineError } from '../../backtest/run.js';
import { PRESET_NAMES } from '../../core/policy.js';
import type { PresetName } from '../../types.js';
import type { CliCommand } from '../main.js';
import { Args, UsageError } from './args.js';

const USAGE = `recycled-number-guard backtest <events.jsonl | -> [options]

Replays JSONL login attempts (the simulator's, or your own logs: one AttemptInput per line with "at";
"label": {"isTakeover": bool, "scenario": "..."} optional) through the guard in event time.

  --preset cloud-drive|social|fintech   policy to replay (default cloud-drive)
  --out DIR                             write decisions.jsonl, summary.json, report.html (default backtest-output)
  --strict                              stop at the first malformed line (exit 1) instead of skipping it
  --no-intel                            no carrier evidence, even when lines carry the simulator's "number" truth
  --intel-signal exact|coarse|missing   answer every number as if its carrier offered this (ablations)
  --geo auto|sim|none|default           geolocation: auto = the simulator's table for simulator output,
                                        else the guard's default (geoip-lite); none = region signal off
  --no-outcomes                         do not complete step-ups from label.passesStepUp
  --progress                            progress bar on stderr even when it is not a terminal`;

export const backtestCommand: CliCommand = {
  name: 'backtest',
  summary: 'replay a JSONL of attempts through the guard; decisions, summary and an HTML report',
  usage: USAGE,
  async run(argv) {
    let options;
    try {
      const args = new Args(argv);
      const preset = args.choice('--preset', PRESET_NAMES as PresetName[], 'cloud-drive');
      const outDir = args.value('--out') ?? 'backtest-output';
      const strict = args.flag('--strict');
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
        strict,
        intel: noIntel ? ('none' as const) : ('auto' as const),
        ...(signal ? { signal: signal as 'exact' | 'coarse' | 'missing' } : {}),
        geo,
        replayOutcomes: !noOutcomes,
        progress: progress as boolean | 'auto',
      };
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        return 2;
      }
      throw error;
    }
    try {
      const { summary, files } = await runBacktest(options);
      const scored = Math.max(1, summary.scored);
      const lines = [
        `${summary.assessed.toLocaleString('en-US')} attempts assessed (${summary.warmup.toLocaleString('en-US')} warm-up), ${summary.malformed} malformed lines skipped, ${summary.eventsPerSecond.toLocaleString('en-US')}/s`,
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
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } catch (error) {
      if (error instanceof MalformedLineError) {
        process.stderr.write(`${error.message} (--strict: stopped)\n`);
        return 1;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        process.stderr.write(`cannot read ${options.input}: no such file\n`);
        return 2;
      }
      throw error;
    }
  },
};
