import { configFingerprint, GENERATOR_VERSION } from '../../simulate/config.js';
import { simulateJsonl, simulationConfig } from '../../simulate/generator.js';
import type { CliCommand } from '../command.js';
import { Args, UsageError, writeOut } from './args.js';

const USAGE = `recycled-number-guard simulate --profile us|cn --accounts N --seed S [--chunk N] > events.jsonl

Writes a deterministic, time-ordered JSONL stream of SMS logins with ground truth (label, carrier
record of the number) to stdout. Memory stays bounded for any N: accounts are simulated --chunk at
a time (default 1000) and merged from temporary files. Same options, same bytes.
Generator ${GENERATOR_VERSION}; parameters and sources: docs/evaluation.md.`;

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'generate synthetic SMS logins with ground truth (JSONL on stdout)',
  usage: USAGE,
  async run(argv) {
    let options;
    try {
      const args = new Args(argv);
      const profile = args.choice('--profile', ['us', 'cn'] as const, 'us');
      const accounts = args.integer('--accounts', 5000, 1);
      const seed = args.integer('--seed', 1, 0);
      const chunkAccounts = args.integer('--chunk', 1000, 1);
      if (args.positionals().length > 0) throw new UsageError('simulate takes no positional arguments');
      options = { profile, accounts, seed, chunkAccounts };
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        return 2;
      }
      throw error;
    }
    process.stderr.write(
      `simulate: ${options.profile}, ${options.accounts} accounts, seed ${options.seed} (${configFingerprint(simulationConfig(options))})\n`,
    );
    try {
      for await (const batch of simulateJsonl(options)) {
        const waiting = writeOut(process.stdout, batch);
        if (waiting) await waiting;
      }
    } catch (error) {
      // A closed pipe (`| head`) is the reader's choice, not a failure.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 0;
      throw error;
    }
    return 0;
  },
};
