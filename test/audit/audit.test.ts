import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createGuard } from 'recycled-number-guard';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';
import { callbackAuditSink, fileAuditSink, verifyAuditLog, type AuditRecord } from 'recycled-number-guard/audit';

const dir = mkdtempSync(join(tmpdir(), 'rng-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = fileURLToPath(new URL('../..', import.meta.url));

const PHONE = '+8613800138000';
const IP = '198.51.100.77';
const AT = '2026-01-10T09:00:00Z';
const geo = cidrGeoLookup([{ cidr: '198.51.100.0/24', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4 } }]);

async function writeLog(path: string, logins = 3) {
  const guard = createGuard({ audit: fileAuditSink(path), geo, hashKey: 'audit-test-key-0123456789', clock: () => Date.parse(AT) });
  const ids: string[] = [];
  for (let i = 0; i < logins; i++) {
    const decision = await guard.assess({ accountId: `acct-${i}`, phone: PHONE, phoneBoundAt: '2022-01-01', ip: IP, at: AT });
    ids.push(decision.id);
    if (decision.action === 'step_up') await guard.recordOutcome(decision.id, { check: 'password', passed: i % 2 === 0 });
  }
  return ids;
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

describe('audit trail', () => {
  it('records every decision and outcome, hash-chained, with no raw number or IP', async () => {
    const path = join(dir, 'decisions.jsonl');
    const ids = await writeLog(path);
    const records = lines(path).map((line) => JSON.parse(line) as AuditRecord);
    // acct-1's failed step-up on a number that may have changed hands protects the account (cloud-drive): audited too.
    expect(records.map((r) => r.kind)).toEqual(['decision', 'outcome', 'decision', 'outcome', 'protect', 'decision', 'outcome']);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(records[4]).toMatchObject({ kind: 'protect', accountId: 'acct-1', phoneHash: '', protection: { reason: 'failed_step_up', by: 'guard' } });
    expect(records[0]).toMatchObject({ decisionId: ids[0], accountId: 'acct-0', action: 'step_up', preset: 'cloud-drive', mode: 'enforce' });
    expect(records[0]!.reasons!.length).toBeGreaterThan(0);
    expect(records[1]).toMatchObject({ kind: 'outcome', decisionId: ids[0], outcome: { checks: ['password'], passed: true, satisfied: true } });
    const text = readFileSync(path, 'utf8');
    for (const raw of [PHONE, PHONE.slice(1), '13800138000', IP]) expect(text).not.toContain(raw);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 7 });
  });

  it('continues the chain across restarts (a new sink on the same file)', async () => {
    const path = join(dir, 'resume.jsonl');
    await writeLog(path, 1);
    await writeLog(path, 1);
    expect(lines(path).map((line) => (JSON.parse(line) as AuditRecord).seq)).toEqual([1, 2, 3, 4]);
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 4 });
  });

  it.each([
    ['tampered', (rows: string[]) => rows.map((row, i) => (i === 2 ? row.replace('"step_up"', '"allow"') : row)), 3, 'tampered'],
    ['missing', (rows: string[]) => rows.filter((_, i) => i !== 2), 3, 'missing'],
    ['reordered', (rows: string[]) => [rows[0]!, rows[2]!, rows[1]!, ...rows.slice(3)], 2, 'reordered'],
    ['malformed', (rows: string[]) => rows.map((row, i) => (i === 4 ? row.slice(0, 20) : row)), 5, 'malformed'],
  ] as const)('finds the first %s record', async (name, edit, line, problem) => {
    const path = join(dir, `${name}.jsonl`);
    await writeLog(path);
    writeFileSync(path, `${edit(lines(path)).join('\n')}\n`);
    const result = await verifyAuditLog(path);
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ line, problem });
  });

  it('a recomputed chain does not verify under the HMAC key', async () => {
    const records: AuditRecord[] = [];
    const keyed = callbackAuditSink((record) => void records.push(record), { key: 'audit-hmac-key' });
    const unkeyed = callbackAuditSink(() => {});
    const entry = { kind: 'decision' as const, at: AT, decisionId: 'dec_x', accountId: 'a', phoneHash: 'h' };
    const signed = await keyed.append(entry);
    const forged = await unkeyed.append(entry);
    expect(signed.hash).not.toBe(forged.hash);
    const path = join(dir, 'keyed.jsonl');
    writeFileSync(path, `${JSON.stringify(forged)}\n`);
    expect((await verifyAuditLog(path, { key: 'audit-hmac-key' })).ok).toBe(false);
    writeFileSync(path, `${JSON.stringify(signed)}\n`);
    expect((await verifyAuditLog(path, { key: 'audit-hmac-key' })).ok).toBe(true);
  });

  it('concurrent decisions keep one unbroken chain', async () => {
    const path = join(dir, 'concurrent.jsonl');
    const guard = createGuard({ audit: fileAuditSink(path), geo: false, clock: () => Date.parse(AT) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => guard.assess({ accountId: `c-${i}`, phone: PHONE, phoneBoundAt: '2025-12-20', ip: IP, at: AT })));
    expect(await verifyAuditLog(path)).toEqual({ ok: true, records: 50 });
  });

  it('a failing sink never fails the decision; the failure goes to onError', async () => {
    const errors: string[] = [];
    const guard = createGuard({
      geo: false,
      clock: () => Date.parse(AT),
      audit: { name: 'broken', append: async () => Promise.reject(new Error('disk full')) },
      onError: (error, stage) => errors.push(`${stage}: ${(error as Error).message}`),
    });
    const decision = await guard.assess({ accountId: 'a', phone: PHONE, phoneBoundAt: '2022-01-01', ip: IP, at: AT });
    expect(decision.action).toBe('step_up');
    expect(errors).toEqual(['audit: disk full']);
  });

  it('the CLI reports an intact log with exit 0 and a tampered one with exit 1', async () => {
    const path = join(dir, 'cli.jsonl');
    await writeLog(path, 2);
    const cli = (file: string) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify-audit', file], { cwd: root, encoding: 'utf8' }) };
      } catch (error) {
        const failed = error as { status: number; stdout: string };
        return { code: failed.status, out: failed.stdout };
      }
    };
    expect(cli(path)).toEqual({ code: 0, out: 'ok: 5 records, chain intact\n' });
    writeFileSync(path, readFileSync(path, 'utf8').replace('"acct-1"', '"acct-9"'));
    const broken = cli(path);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/^BROKEN at line 3 \(seq 3\): tampered/);
  });
});
