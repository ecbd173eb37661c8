import { readFile, writeFile } from 'node:fs/promises';
import { verifyEvidence } from '../../audit/evidence.js';
import type { EvidenceExport } from '../../audit/evidence.js';
import { renderEvidenceHtml } from '../../audit/evidence-html.js';
import type { CliCommand } from '../command.js';
import { localeArgument } from './demo.js';

/** The value after a flag (`--html OUT`), or undefined. */
const flagValue = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const FLAGS_WITH_VALUES = new Set(['--key-env', '--html', '--locale']);

export const verifyEvidenceCommand: CliCommand = {
  name: 'verify-evidence',
  summary: "check an account's evidence export (guard.evidenceFor); exit 1 when anything in it was changed",
  usage:
    'recycled-number-guard verify-evidence <evidence.json> [--key-env NAME] [--html OUT.html] [--locale en|zh-CN]\n\n' +
    'Exit 0 when every record hashes to itself, follows the one before it, and the seal holds; 1 otherwise; 2 on bad usage.\n' +
    'With --key-env, the audit HMAC key is read from that environment variable (never from the command line).\n' +
    '--html writes a printable page of the export (what the owner asked for, what the guard decided and why), in --locale.',
  async run(args) {
    const path = args.find((arg, index) => !arg.startsWith('--') && !FLAGS_WITH_VALUES.has(args[index - 1] ?? ''));
    const locale = localeArgument(args);
    const htmlOut = flagValue(args, '--html');
    if (!path || locale === null || (args.includes('--html') && !htmlOut)) {
      process.stderr.write(`${this.usage}\n`);
      return 2;
    }
    const keyEnv = flagValue(args, '--key-env');
    const key = keyEnv ? process.env[keyEnv] : undefined;
    if (keyEnv && !key) {
      process.stderr.write(`environment variable ${keyEnv} is not set\n`);
      return 2;
    }
    let document: unknown;
    try {
      document = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      process.stdout.write(`NOT VERIFIED: ${path} is not readable JSON (${error instanceof Error ? error.message : String(error)})\n`);
      return 1;
    }
    const result = verifyEvidence(document, key ? { key } : {});
    if (htmlOut && (result.ok || result.problem?.kind !== 'malformed')) {
      await writeFile(htmlOut, renderEvidenceHtml(document as EvidenceExport, { locale: locale ?? 'en', verification: result }));
    }
    if (result.ok) {
      const evidence = document as EvidenceExport;
      process.stdout.write(
        `ok: ${result.records} records of one account, chain and seal intact (${evidence.keyed ? 'HMAC' : 'SHA-256, no key'})${htmlOut ? `; page written to ${htmlOut}` : ''}\n`,
      );
      return 0;
    }
    const problem = result.problem!;
    process.stdout.write(`NOT VERIFIED (${problem.kind}): ${problem.message}; ${result.records} records checked before it\n`);
    return 1;
  },
};
