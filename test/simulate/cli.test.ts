import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

function cli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    ...(input ? { input } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLI: simulate, backtest, assess', () => {
  const dir = tempDir('cli');
  const events = join(dir, 'events.jsonl');

  it('simulate writes deterministic JSONL to stdout; backtest reads it and writes the three outputs', () => {
    const first = cli(['simulate', '--profile', 'cn', '--accounts', '120', '--seed', '4']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('simulate: cn, 120 accounts, seed 4');
    const again = cli(['simulate', '--profile', 'cn', '--accounts', '120', '--seed', '4', '--chunk', '30']);
    expect(again.stdout).toBe(first.stdout);
    writeFileSync(events, first.stdout);
    const lines = first.stdout.trim().split('\n').length;

    const out = join(dir, 'out');
    const run = cli(['backtest', events, '--preset', 'social', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${lines.toLocaleString('en-US')} attempts assessed`);
    for (const file of ['decisions.jsonl', 'summary.json', 'report.html']) expect(existsSync(join(out, file))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).preset).toBe('social');
    // Not a terminal and no --progress: no progress bar.
    expect(run.stderr).not.toContain('lines/s');
  });

  it('backtest: malformed lines are skipped with their line number, or stop the run with --strict', () => {
    const text = readFileSync(events, 'utf8').trim().split('\n');
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, [...text.slice(0, 5), 'not json', ...text.slice(5, 10)].join('\n'));
    const lenient = cli(['backtest', broken, '--out', join(dir, 'lenient'), '--progress']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/line 6: not valid JSON .*\(skipped\)/);
    expect(lenient.stderr).toMatch(/backtest \[#+-*\] 100%/);
    expect(lenient.stdout).toContain('1 malformed lines skipped');
    const strict = cli(['backtest', broken, '--out', join(dir, 'strict'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^line 6: not valid JSON/);
    expect(cli(['backtest', join(dir, 'missing.jsonl')]).code).toBe(2);
    expect(cli(['backtest', events, '--preset', 'bank']).code).toBe(2);
  });

  it('assess prints one decision, pretty or as JSON', () => {
    const line = readFileSync(events, 'utf8').split('\n')[0]!;
    const attempt = join(dir, 'attempt.json');
    writeFileSync(attempt, line);
    const pretty = cli(['assess', attempt]);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(/^action\s+(allow|step_up|deny)/);
    expect(pretty.stdout).toContain('reasons');
    const json = cli(['assess', attempt, '--json', '--preset', 'fintech']);
    const decision = JSON.parse(json.stdout) as { preset: string; evidence: { geo: string; numberIntel: string } };
    expect(decision.preset).toBe('fintech');
    expect(decision.evidence.geo).toBe('ok');
    const invalid = cli(['assess', '-'], JSON.stringify({ accountId: 'a', phone: '12', phoneBoundAt: '2024-01-01', ip: '10.0.0.1' }));
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('phone:');
  });

  it('help lists the commands', () => {
    const help = cli(['help']);
    for (const name of ['demo', 'assess', 'simulate', 'backtest']) expect(help.stdout).toContain(`  ${name}`);
  });
});
