import type { CliCommand } from '../command.js';
import { runDemo, type StoryResult } from '../demo/stories.js';
import type { Decision } from '../../types/index.js';

function pct(risk: number): string {
  return risk < 0.001 ? `${(risk * 100).toFixed(3)}%` : risk < 0.1 ? `${(risk * 100).toFixed(2)}%` : `${(risk * 100).toFixed(1)}%`;
}

function topReasons(decision: Decision, count = 3): string {
  return decision.reasons
    .filter((reason) => reason.effect !== 0)
    .slice(0, count)
    .map((reason) => `${reason.code} ${reason.effect > 0 ? '+' : ''}${pct(reason.effect)}`)
    .join(', ');
}

function stepUpText(decision: Decision): string {
  return decision.stepUp ? decision.stepUp.anyOf.map((set) => set.join('+')).join(' | ') : '-';
}

function adviceText(decision: Decision): string {
  const { newHolder, previousHolder } = decision.advice;
  return newHolder === 'none' && previousHolder === 'none' ? '-' : `new holder: ${newHolder}; owner: ${previousHolder}`;
}

/** Plain-text table, sized to its content, readable in any terminal and in CI logs. */
export function formatDemo(results: StoryResult[]): string {
  const rows: string[][] = [['scenario', 'action', 'risk', 'changed hands', 'top reasons', 'step-up', 'advice']];
  for (const result of results) {
    result.decisions.forEach(({ step, decision, outcome, freeze, release }, index) => {
      if (freeze) {
        rows.push([index === 0 ? result.story.title : (step.label ?? '  then'), freeze.frozen ? 'frozen' : 'not frozen', '', '', `owner's ${step.freeze!.check}: ${freeze.reason}`, '', '-']);
      }
      rows.push([
        index === 0 && !freeze ? result.story.title : freeze ? '  then the SMS code' : (step.label ?? '  then'),
        decision.action,
        pct(decision.risk),
        decision.numberChangedHands,
        topReasons(decision),
        stepUpText(decision),
        adviceText(decision),
      ]);
      if (outcome) {
        rows.push([
          `  step-up ${outcome.satisfied ? 'passed' : 'failed'}`,
          outcome.action,
          '',
          '',
          '',
          '',
          outcome.advice ? `new holder: ${outcome.advice.newHolder}; owner: ${outcome.advice.previousHolder}` : '-',
        ]);
      }
      if (release) {
        const freed = release.released[0];
        const refused = release.refused[0];
        rows.push([
          '  release the number',
          freed ? 'released' : 'refused',
          '',
          '',
          freed ? `${freed.evidence.rule}: ${freed.evidence.sources.join(', ') || 'failed step-up'}` : (refused?.reason ?? ''),
          '',
          freed ? 'old account protected; register the new holder' : '-',
        ]);
      }
    });
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'replay the seed stories on the embedded defaults and print the decisions',
  usage: 'recycled-number-guard demo [--json]\n\nReplays the seed stories (new holder, register on a taken number, owner who moved, an owner who froze his account, a number released to its new holder, routine owner, new phone, travel).',
  async run(args) {
    const results = await runDemo();
    if (args.includes('--json')) {
      process.stdout.write(`${JSON.stringify(results.map((r) => ({ id: r.story.id, title: r.story.title, decisions: r.decisions.map((d) => ({ decision: d.decision, outcome: d.outcome })) })), null, 2)}\n`);
    } else {
      process.stdout.write(`${formatDemo(results)}\n`);
    }
    return 0;
  },
};
