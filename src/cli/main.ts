import { demoCommand } from './commands/demo.js';
import { verifyAuditCommand } from './commands/verify-audit.js';
import { simulateCommand } from './commands/simulate.js';
import { backtestCommand } from './commands/backtest.js';
import { assessCommand } from './commands/assess.js';
import { deactivationsCommand } from './commands/deactivations.js';

/** A CLI command: gets its arguments, writes to stdout/stderr, returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

// Add new commands here; `help` lists them in this order.
const COMMANDS: CliCommand[] = [demoCommand, verifyAuditCommand, assessCommand, simulateCommand, backtestCommand, deactivationsCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'recycled-number-guard <command> [options]',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "recycled-number-guard <command> --help" for its options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
