import { readFileSync } from 'node:fs';
import { PRESET_NAMES } from '../../core/policy.js';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import { createGuard } from '../../guard/create-guard.js';
import { simCarrier } from '../../simulate/carrier.js';
import { attemptOf, type NumberTruth } from '../../simulate/events.js';
import { isSimulationIp, simulationGeo } from '../../simulate/locations.js';
import type { AttemptInput, Decision, PresetName } from '../../types/index.js';
import type { CliCommand } from '../command.js';
import { Args, UsageError } from './args.js';

const USAGE = `recycled-number-guard assess <attempt.json | -> [--json] [--preset cloud-drive|social|fintech]

Scores one attempt (an AttemptInput object; a simulator event line works too) with no history,
as the guard would on its first sight of the account, and prints the decision.
Addresses from the simulator's table use its geolocation, others the guard's default; a
simulator "number" truth is answered by the simulated carrier.`;

function pct(x: number): string {
  return x < 0.001 ? `${(x * 100).toFixed(3)}%` : `${(x * 100).toFixed(2)}%`;
}

export function formatDecision(decision: Decision): string {
  const lines = [
    `action        ${decision.action}${decision.mode === 'dry_run' ? ` (would be ${decision.wouldBe})` : ''}`,
    `risk          ${pct(decision.risk)} (prior ${pct(decision.prior)}, preset ${decision.preset})`,
    `changed hands ${decision.numberChangedHands}`,
  ];
  if (decision.stepUp) lines.push(`step-up       ${decision.stepUp.anyOf.map((set) => set.join(' + ')).join(' | ')}`);
  lines.push('reasons');
  for (const reason of decision.reasons) {
    const effect = reason.effect === 0 ? '      ' : `${reason.effect > 0 ? '+' : ''}${pct(reason.effect)}`;
    lines.push(`  ${effect.padStart(9)}  ${reason.code}: ${reason.message}`);
  }
  if (decision.advice.steps.length > 0) {
    lines.push(`advice        new holder: ${decision.advice.newHolder}; owner: ${decision.advice.previousHolder}`);
    for (const step of decision.advice.steps) lines.push(`  - ${step}`);
  }
  lines.push(
    `evidence      history ${decision.evidence.history}, geo ${decision.evidence.geo}, device ${decision.evidence.device}, carrier ${decision.evidence.numberIntel}`,
  );
  return lines.join('\n');
}

export const assessCommand: CliCommand = {
  name: 'assess',
  summary: 'score one attempt from a JSON file and print the decision',
  usage: USAGE,
  async run(argv) {
    let path: string;
    let json: boolean;
    let preset: PresetName;
    try {
      const args = new Args(argv);
      json = args.flag('--json');
      preset = args.choice('--preset', PRESET_NAMES as PresetName[], 'cloud-drive');
      const positionals = args.positionals();
      if (positionals.length !== 1) throw new UsageError('give exactly one attempt file (or - for stdin)');
      path = positionals[0]!;
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        return 2;
      }
      throw error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
    } catch (error) {
      process.stderr.write(`cannot read an attempt from ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      process.stderr.write(`${path}: expected one JSON object (an AttemptInput)\n`);
      return 2;
    }
    const record = raw as AttemptInput & { number?: NumberTruth } & Record<string, unknown>;
    const simulated = typeof record.ip === 'string' && isSimulationIp(record.ip);
    const at = record.at === undefined ? Date.now() : new Date(record.at as string | number).getTime();
    const clock = () => (Number.isFinite(at) ? at : Date.now());
    const carrier = record.number ? simCarrier({ clock }) : undefined;
    const guard = createGuard({ preset, clock, ...(simulated ? { geo: simulationGeo() } : {}), ...(carrier ? { numberIntel: carrier } : {}) });
    carrier?.use(String(record.phone), record.number);
    try {
      const decision = await guard.assess(attemptOf(record));
      process.stdout.write(json ? `${JSON.stringify(decision, null, 2)}\n` : `${formatDecision(decision)}\n`);
      return 0;
    } catch (error) {
      if (error instanceof InvalidInputError) {
        process.stderr.write(`invalid attempt:\n${error.issues.map((issue) => `  ${issue.field}: ${issue.message}`).join('\n')}\n`);
        return 1;
      }
      throw error;
    }
  },
};
