import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('no timer, socket or handle is left open', () => {
  it('a process that assessed against failing providers and failing stores ends on its own', () => {
    const started = Date.now();
    // npx tsx, as a host would run a script; the timeout kills a process that does not end by itself.
    // (120 s: starting tsx alone can take tens of seconds on a machine other work keeps busy.)
    const child = spawnSync('npx', ['tsx', 'test/faults/fixtures/exit-script.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const elapsed = Date.now() - started;
    expect(child.signal, `killed after ${elapsed} ms: something kept the process alive\n${child.stderr}`).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number; actions: string[]; outcomes: string[]; active: string[] };
    // 60 assessments in six batches of ten, each batch bounded by its budget (about 1 s in all on an
    // idle machine): had any waited for its store, a slow one alone would take 10 s.
    expect(report.ms).toBeLessThan(8_000);
    expect(report.actions).not.toContain('allow');
    // A passed face check completes a saved step-up; unsaved or unreachable ones are refused, never an error.
    for (const outcome of report.outcomes) expect(['allow', 'UNKNOWN_DECISION', 'STORE_UNAVAILABLE']).toContain(outcome);
    // Nothing but the standard streams may remain: no Timeout, TCP socket, server or file handle.
    expect(report.active.filter((name) => !['TTYWrap', 'PipeWrap', 'ProcessWrap'].includes(name))).toEqual([]);
  }, 150_000);
});
