import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulationEvidence } from '../../src/simulate/replay-evidence.js';
import { MalformedLineError, runBacktest } from '../../src/backtest/run.js';
import type { BacktestSummary } from '../../src/backtest/summary.js';
import { simulateFile, tempDir } from './helpers.js';

let events: string;
let lines: string[];

beforeAll(async () => {
  events = await simulateFile({ profile: 'us', accounts: 300, seed: 21, overrides: { takeoverOversample: 0.1 } });
  lines = readFileSync(events, 'utf8').trim().split('\n');
});

describe('backtest on simulator output', () => {
  it('writes decisions.jsonl, summary.json and report.html with consistent counts', async () => {
    const out = tempDir('bt');
    const { summary, files } = await runBacktest({
      input: events,
      preset: 'cloud-drive',
      outDir: out,
      evidence: simulationEvidence(),
      progress: false,
      log: () => {},
    });
    expect(files.map((file) => file.slice(out.length + 1)).sort()).toEqual(['decisions.jsonl', 'report.html', 'summary.json']);

    const decisions = readFileSync(join(out, 'decisions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; label: { isTakeover: boolean }; wouldBe: string; risk: number; warmup?: boolean });
    expect(decisions).toHaveLength(lines.length);
    expect(decisions.map((d) => d.line)).toEqual(lines.map((_, i) => i + 1));
    expect(summary.lines).toBe(lines.length);
    expect(summary.assessed).toBe(lines.length);
    expect(summary.malformed).toBe(0);
    expect(summary.warmup).toBe(decisions.filter((d) => d.warmup).length);
    expect(summary.scored + summary.warmup).toBe(summary.assessed);
    expect(summary.actions.allow + summary.actions.step_up + summary.actions.deny).toBe(summary.scored);
    const groupTotal = Object.values(summary.groups).reduce((n, group) => n + group.n, 0);
    expect(groupTotal).toBe(summary.scored);
    const scored = decisions.filter((d) => !d.warmup);
    expect(summary.legit!.n).toBe(scored.filter((d) => !d.label.isTakeover).length);
    expect(summary.settings.geo).toBe('simulation-table');
    expect(String(summary.settings.intel)).toContain('simulated carrier');

    // summary.json on disk is the returned summary.
    const onDisk = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as BacktestSummary;
    expect(onDisk.scored).toBe(summary.scored);
    expect(onDisk.roc!.aucFirst).toBeGreaterThan(0.9);
    expect(onDisk.presets!.map((p) => p.preset)).toEqual(['cloud-drive', 'social', 'fintech']);
    expect(onDisk.presets!.find((p) => p.preset === 'cloud-drive')!.exact).toBe(true);
    // The preset point of the run itself is its own decisions.
    const ownFlagged = (summary.legit!.step_up + summary.legit!.deny) / summary.legit!.n;
    expect(onDisk.presets!.find((p) => p.preset === 'cloud-drive')!.legitFriction).toBeCloseTo(ownFlagged, 12);
  });

  it('report.html is self-contained: inline SVG charts, no external URL in any src or href', async () => {
    const out = tempDir('bt-html');
    await runBacktest({ input: events, preset: 'fintech', outDir: out, evidence: simulationEvidence(), progress: false, log: () => {} });
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(5);
    for (const heading of ['Action rates per scenario', 'Risk distribution by label', 'Catch rate against legitimate step-up rate', 'Most frequent reasons'])
      expect(html).toContain(heading);
    const attributes = [...html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]+)/gi)].map((match) => match[1]!);
    expect(attributes.filter((value) => /^(?:https?:)?\/\//i.test(value))).toEqual([]);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
  });

  it('without labels: rates and distributions only', async () => {
    const dir = tempDir('bt-nolabel');
    const input = join(dir, 'host-log.jsonl');
    const stripped = lines.slice(0, 500).map((line) => {
      const { label: _label, number: _number, warmup: _warmup, ...attempt } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify(attempt);
    });
    writeFileSync(input, `${stripped.join('\n')}\n`);
    const { summary } = await runBacktest({
      input,
      preset: 'social',
      outDir: join(dir, 'out'),
      geo: 'evidence',
      evidence: simulationEvidence(),
      progress: false,
      log: () => {},
    });
    expect(summary.assessed).toBe(500);
    expect(summary.labelled).toBe(0);
    expect(summary.roc).toBeUndefined();
    expect(summary.presets).toBeUndefined();
    expect(Object.keys(summary.groups)).toEqual(['unlabelled']);
    expect(summary.settings.intel).toBe('none');
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('no labels');
  });
});

describe('backtest: malformed lines', () => {
  const build = () => {
    const good = lines.slice(0, 40);
    const bad = [
      '{"accountId": "a", "phone": ', // 41: not JSON
      '[1, 2, 3]', // 42: not an object
      JSON.stringify({ ...JSON.parse(good[0]!), at: undefined }), // 43: no "at"
      JSON.stringify({ ...JSON.parse(good[1]!), phone: '+1 555' }), // 44: invalid phone
      '', // 45: blank, ignored
      JSON.stringify({ ...JSON.parse(good[2]!), label: 'takeover' }), // 46: bad label
    ];
    const dir = tempDir('bt-bad');
    const input = join(dir, 'mixed.jsonl');
    writeFileSync(input, [...good, ...bad, ...lines.slice(40, 60)].join('\n'));
    return { input, dir };
  };

  it('skips them with a clear message and the line number, and counts them', async () => {
    const { input, dir } = build();
    const messages: string[] = [];
    const { summary } = await runBacktest({
      input,
      preset: 'cloud-drive',
      outDir: join(dir, 'out'),
      evidence: simulationEvidence(),
      progress: false,
      log: (message) => messages.push(message),
    });
    expect(summary.malformed).toBe(5);
    expect(summary.blankLines).toBe(1);
    expect(summary.assessed).toBe(60);
    expect(summary.lines).toBe(66);
    expect(messages[0]).toMatch(/^line 41: not valid JSON/);
    expect(messages[1]).toMatch(/^line 42: not a JSON object/);
    expect(messages[2]).toMatch(/^line 43: every line needs "at"/);
    expect(messages[3]).toMatch(/^line 44: invalid attempt: phone: /);
    expect(messages[4]).toMatch(/^line 46: "label" must be an object/);
    for (const message of messages) expect(message).toContain('(skipped)');
    expect(summary.settings.malformedLines).toHaveLength(5);
    const decisions = readFileSync(join(dir, 'out', 'decisions.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(decisions).toHaveLength(60);
  });

  it('--strict stops at the first malformed line', async () => {
    const { input, dir } = build();
    const run = runBacktest({
      input,
      preset: 'cloud-drive',
      outDir: join(dir, 'out'),
      strict: true,
      evidence: simulationEvidence(),
      progress: false,
      log: () => {},
    });
    await expect(run).rejects.toBeInstanceOf(MalformedLineError);
    await expect(runBacktest({ input, preset: 'cloud-drive', strict: true, evidence: simulationEvidence(), progress: false, log: () => {} })).rejects.toThrow(
      /^line 41: not valid JSON/,
    );
  });
});
