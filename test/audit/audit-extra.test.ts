import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createGuard, type ErrorStage } from 'recycled-number-guard';
import { callbackAuditSink, fileAuditSink, verifyAuditLog, type AuditRecord, type AuditSink } from 'recycled-number-guard/audit';
import { redactText } from '../../src/audit/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rng-audit-extra-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = fileURLToPath(new URL('../..', import.meta.url));
const AT = Date.parse('2026-01-10T09:00:00Z');
const attempt = (i: number) => ({ accountId: `acct-${i}`, phone: '+8613800138000', phoneBoundAt: '2022-01-01', ip: '198.51.100.7', at: AT });
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

async function writeLog(path: string, logins: number, key?: string) {
  const guard = createGuard({ geo: false, clock: () => AT, hashKey: 'audit-extra-key-0123456789', audit: fileAuditSink(path, key ? { key } : {}) });
  for (let i = 0; i < logins; i++) {
    const decision = await guard.assess(attempt(i));
    if (decision.action === 'step_up') await guard.recordOutcome(decision.id, { check: 'password', passed: true });
  }
}

describe('what the trail records', () => {
  it('dry-run decisions, with what enforcement would have done', async () => {
    const records: AuditRecord[] = [];
    const guard = createGuard({ geo: false, clock: () => AT, mode: 'dry_run', audit: callbackAuditSink((record) => void records.push(record)) });
    const decision = await guard.assess(attempt(0));
    expect(records).toEqual([expect.objectContaining({ kind: 'decision', decisionId: decision.id, mode: 'dry_run', action: 'allow', wouldBe: 'step_up' })]);
  });

  it('two guards sharing one sink in one process keep one unbroken chain', async () => {
    const path = join(dir, 'shared.jsonl');
    const sink = fileAuditSink(path);
    // About the chain, not the budget: a loaded machine must not return a decision before its append lands.
    const guards = [0, 1].map(() => createGuard({ geo: false, clock: () => AT, budgetMs: 30_000, audit: sink }));
    await Promise.all(Array.from({ length: 40 }, (_, i) => guards[i % 2]!.assess(attempt(i))));
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 40 });
  });

  it('a hung sink does not hold the login beyond the budget; it is reported to onError', async () => {
    const errors: ErrorStage[] = [];
    const hung: AuditSink = { name: 'hung', append: () => new Promise(() => {}) };
    const guard = createGuard({ geo: false, clock: () => AT, budgetMs: 100, audit: hung, onError: (_error, stage) => errors.push(stage) });
    const started = performance.now();
    const decision = await guard.assess(attempt(0));
    // The sink never answers: only the budget ends the wait. The slack is a loaded machine's lag.
    expect(performance.now() - started).toBeLessThan(100 + 3_000);
    expect(decision.action).toBe('step_up');
    expect(errors).toEqual(['audit']);
  });
});

describe('verifyAuditLog finds the first problem', () => {
  it.each([
    ['two records swapped', (rows: string[]) => [rows[0]!, rows[2]!, rows[1]!, ...rows.slice(3)], 2, 'reordered'],
    ['a record moved to the end', (rows: string[]) => [...rows.slice(0, 1), ...rows.slice(2), rows[1]!], 2, 'reordered'],
    ['a record replayed (duplicated)', (rows: string[]) => [...rows.slice(0, 3), rows[1]!, ...rows.slice(3)], 4, 'reordered'],
    ['the first record removed', (rows: string[]) => rows.slice(1), 1, 'missing'],
    [
      'a record removed and the rest renumbered',
      (rows: string[]) => [rows[0]!, ...rows.slice(2).map((row) => row.replace(/"seq":(\d+)/, (_m, n: string) => `"seq":${Number(n) - 1}`))],
      2,
      'tampered',
    ],
    ['a field added', (rows: string[]) => rows.map((row, i) => (i === 1 ? row.replace('{', '{"note":"ok",') : row)), 2, 'tampered'],
    ['a cut line', (rows: string[]) => rows.map((row, i) => (i === 2 ? row.slice(0, 40) : row)), 3, 'malformed'],
  ] as const)('%s', async (name, edit, line, problem) => {
    const path = join(dir, `${name.replace(/\W+/g, '-')}.jsonl`);
    await writeLog(path, 3);
    writeFileSync(path, `${edit(lines(path)).join('\n')}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, firstBad: { line, problem } });
  });

  it('a keyed log does not verify without its key, nor with another', async () => {
    const path = join(dir, 'keyed.jsonl');
    await writeLog(path, 2, 'audit-hmac-key-0123456789');
    expect(await verifyAuditLog(path, { key: 'audit-hmac-key-0123456789' })).toEqual({ ok: true, records: 4 });
    expect((await verifyAuditLog(path)).ok).toBe(false);
    expect((await verifyAuditLog(path, { key: 'another-key-0123456789abc' })).ok).toBe(false);
  });

  it('the CLI takes the key from an environment variable only', () => {
    const path = join(dir, 'keyed.jsonl');
    const cli = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify-audit', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    expect(cli([path, '--key-env', 'RNG_AUDIT_KEY'], { RNG_AUDIT_KEY: 'audit-hmac-key-0123456789' }).status).toBe(0);
    expect(cli([path, '--key-env', 'RNG_AUDIT_KEY'], { RNG_AUDIT_KEY: 'wrong-key-0123456789abcdef' }).status).toBe(1);
    expect(cli([path, '--key-env', 'RNG_UNSET_VARIABLE']).status).toBe(2);
    expect(cli([]).status).toBe(2);
  });
});

describe('resuming a log', () => {
  it('a log whose last record was cut by a crash is not continued: nothing is glued onto it, the failure is reported, logins go on', async () => {
    const path = join(dir, 'cut.jsonl');
    await writeLog(path, 1);
    appendFileSync(path, '{"kind":"decision","at":"2026-01-10T09:00:0');
    const before = readFileSync(path, 'utf8');
    const errors: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const guard = createGuard({
        geo: false,
        clock: () => AT,
        audit: fileAuditSink(path),
        onError: (error, stage) => errors.push(`${stage}: ${(error as Error).message}`),
      });
      for (const i of [8, 9]) expect((await guard.assess(attempt(i))).action).toBe('step_up');
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    // Each append tries to read the log again, fails again, and says so; none crashes the host.
    expect(unhandled).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(errors).toEqual([expect.stringMatching(/^audit: .*incomplete/), expect.stringMatching(/^audit: .*incomplete/)]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: false, records: 2, firstBad: { line: 3, problem: 'malformed' } });
  });
});

describe('redactText', () => {
  // Text around the value that cannot be mistaken for part of a number or an address.
  const around = fc.stringMatching(/^[g-zG-Z ,;!?'"=/_\][)(]{0,20}$/);
  const phones = fc.constantFrom(
    '+8613800138000',
    '8613800138000',
    '13800138000',
    '138 0013 8000',
    '138-0013-8000',
    '+1 (415) 555-2671',
    '+44 7911 123456',
    '0044 7911 123456',
    '(415) 555-2671',
  );

  it('no phone number, in any usual spelling, survives', () => {
    fc.assert(
      fc.property(around, phones, around, (before, phone, after) => {
        const out = redactText(`${before}${phone}${after}`);
        expect(out).not.toContain(phone);
        // Not even its last seven digits.
        expect(out.replace(/\D/g, '')).not.toContain(phone.replace(/\D/g, '').slice(-7));
      }),
      { numRuns: 2000 },
    );
  });

  it('no IPv4 or IPv6 address survives', () => {
    fc.assert(
      fc.property(
        around,
        fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.ipV4().map((ip) => `::ffff:${ip}`),
        ),
        around,
        (before, ip, after) => {
          expect(redactText(`${before}${ip}${after}`)).not.toContain(ip);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
