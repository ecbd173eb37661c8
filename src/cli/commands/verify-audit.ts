import { verifyAuditLog } from '../../audit/index.js';
import type { CliCommand } from '../command.js';

export const verifyAuditCommand: CliCommand = {
  name: 'verify-audit',
  summary: 'check a hash-chained audit log; exit 1 at the first tampered, missing or reordered record',
  usage:
    'recycled-number-guard verify-audit <audit.jsonl> [--key-env NAME]\n\nWith --key-env, the HMAC key is read from that environment variable (never from the command line).',
  async run(args) {
    const path = args.find((arg) => !arg.startsWith('--') && args[args.indexOf(arg) - 1] !== '--key-env');
    if (!path) {
      process.stderr.write(`${this.usage}\n`);
      return 2;
    }
    const keyEnv = args.includes('--key-env') ? args[args.indexOf('--key-env') + 1] : undefined;
    const key = keyEnv ? process.env[keyEnv] : undefined;
    if (keyEnv && !key) {
      process.stderr.write(`environment variable ${keyEnv} is not set\n`);
      return 2;
    }
    const result = await verifyAuditLog(path, key ? { key } : {});
    if (result.ok) {
      process.stdout.write(`ok: ${result.records} records, chain intact\n`);
      return 0;
    }
    const bad = result.firstBad!;
    process.stdout.write(
      `BROKEN at line ${bad.line}${bad.seq !== undefined ? ` (seq ${bad.seq})` : ''}: ${bad.problem}; ${result.records} records verified before it\n`,
    );
    return 1;
  },
};
