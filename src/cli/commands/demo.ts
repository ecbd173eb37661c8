import type { CliCommand } from '../command.js';
import { runDemo, type StoryResult } from '../demo/stories.js';
import type { Decision } from '../../types/index.js';
import { catalogue, isLocale, type Catalogue, type Locale } from '../../locale/index.js';

function pct(risk: number): string {
  return risk < 0.001 ? `${(risk * 100).toFixed(3)}%` : risk < 0.1 ? `${(risk * 100).toFixed(2)}%` : `${(risk * 100).toFixed(1)}%`;
}

function topReasons(decision: Decision, words: Catalogue, count = 3): string {
  // English prints the codes (what a developer greps for); other locales print the reasons' names.
  const name = (code: Decision['reasons'][number]['code']) => (words.locale === 'en' ? code : words.reasonTitles[code]);
  return decision.reasons
    .filter((reason) => reason.effect !== 0)
    .slice(0, count)
    .map((reason) => `${name(reason.code)} ${reason.effect > 0 ? '+' : ''}${pct(reason.effect)}`)
    .join(words.locale === 'en' ? ', ' : '，');
}

function stepUpText(decision: Decision, words: Catalogue): string {
  const name = (check: keyof Catalogue['checkNames']) => (words.locale === 'en' ? check : words.checkNames[check]);
  return decision.stepUp ? decision.stepUp.anyOf.map((set) => set.map(name).join('+')).join(' | ') : '-';
}

function adviceText(advice: Pick<Decision['advice'], 'newHolder' | 'previousHolder'>, words: Catalogue): string {
  const { newHolder, previousHolder } = advice;
  const names = words.demo.adviceNames;
  return newHolder === 'none' && previousHolder === 'none' ? '-' : words.demo.advice(names[newHolder], names[previousHolder]);
}

/** Terminal columns a string takes: CJK characters and full-width punctuation take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return width;
}

/** Plain-text table, sized to its content, readable in any terminal and in CI logs. */
export function formatDemo(results: StoryResult[], locale: Locale = 'en'): string {
  const words = catalogue(locale);
  const labels = words.demo;
  const rows: string[][] = [[...labels.columns]];
  for (const result of results) {
    result.decisions.forEach(({ step, decision, outcome, freeze, release }, index) => {
      const storyTitle = labels.stories[result.story.id] ?? result.story.title;
      const stepTitle = labels.stories[`${result.story.id}.${index}`] ?? step.label ?? labels.then;
      if (freeze) {
        rows.push([
          index === 0 ? storyTitle : stepTitle,
          freeze.frozen ? labels.frozen : labels.notFrozen,
          '',
          '',
          labels.freezeProof(step.freeze!.check, freeze.reason),
          '',
          '-',
        ]);
      }
      rows.push([
        index === 0 && !freeze ? storyTitle : freeze ? labels.thenSmsCode : stepTitle,
        labels.actions[decision.action],
        pct(decision.risk),
        labels.changedHands[decision.numberChangedHands],
        topReasons(decision, words),
        stepUpText(decision, words),
        adviceText(decision.advice, words),
      ]);
      if (outcome) {
        rows.push([
          outcome.satisfied ? labels.stepUpPassed : labels.stepUpFailed,
          labels.actions[outcome.action],
          '',
          '',
          '',
          '',
          outcome.advice ? adviceText(outcome.advice, words) : '-',
        ]);
      }
      if (release) {
        const freed = release.released[0];
        const refused = release.refused[0];
        rows.push([
          labels.releaseNumber,
          freed ? labels.released : labels.refused,
          '',
          '',
          freed ? `${freed.evidence.rule}: ${freed.evidence.sources.join(', ') || labels.failedStepUp}` : (refused?.reason ?? ''),
          '',
          freed ? labels.releasedAdvice : '-',
        ]);
      }
    });
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column]!))));
  const pad = (cell: string, width: number) => cell + ' '.repeat(Math.max(0, width - displayWidth(cell)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => pad(cell, widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** `--locale zh-CN` (or `--locale=zh-CN`); undefined when absent, null when the value is not a locale. */
export function localeArgument(args: string[]): Locale | undefined | null {
  const index = args.findIndex((arg) => arg === '--locale' || arg.startsWith('--locale='));
  if (index === -1) return undefined;
  const value = args[index]!.includes('=') ? args[index]!.slice('--locale='.length) : args[index + 1];
  return isLocale(value) ? value : null;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'replay the seed stories on the embedded defaults and print the decisions',
  usage:
    'recycled-number-guard demo [--json] [--locale en|zh-CN]\n\nReplays the seed stories (new holder, register on a taken number, owner who moved, an owner who froze his account, a number released to its new holder, routine owner, new phone, travel).\n' +
    "--locale zh-CN prints the table and the decisions' messages in Simplified Chinese.",
  async run(args) {
    const locale = localeArgument(args);
    if (locale === null) {
      process.stderr.write('demo: --locale takes en or zh-CN\n');
      return 2;
    }
    const results = await runDemo(locale ?? 'en');
    if (args.includes('--json')) {
      process.stdout.write(
        `${JSON.stringify(
          results.map((r) => ({ id: r.story.id, title: r.story.title, decisions: r.decisions.map((d) => ({ decision: d.decision, outcome: d.outcome })) })),
          null,
          2,
        )}\n`,
      );
    } else {
      process.stdout.write(`${formatDemo(results, locale ?? 'en')}\n`);
    }
    return 0;
  },
};
