/** The command table and dispatch; `main.ts` is the executable that calls it. */
import { demoCommand } from './commands/demo.js';
import { verifyAuditCommand } from './commands/verify-audit.js';
import { verifyEvidenceCommand } from './commands/verify-evidence.js';
import { simulateCommand } from './commands/simulate.js';
import { backtestCommand } from './commands/backtest.js';
import { assessCommand } from './commands/assess.js';
import { deactivationsCommand } from './commands/deactivations.js';
import type { CliCommand } from './command.js';

// Add new commands here; `help` lists them in this order.
const COMMANDS: CliCommand[] = [demoCommand, verifyAuditCommand, verifyEvidenceCommand, assessCommand, simulateCommand, backtestCommand, deactivationsCommand];

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

export async function runCli(argv: string[]): Promise<number> {
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
