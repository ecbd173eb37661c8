import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EvidenceUnavailableError, InvalidInputError, createGuard, type EvidenceExport } from 'recycled-number-guard';
import {
  callbackAuditSink,
  fileAuditSink,
  memoryAuditSink,
  renderEvidenceHtml,
  verifyAuditLog,
  verifyEvidence,
  type AuditEntry,
  type AuditRecord,
  type AuditSink,
} from 'recycled-number-guard/audit';
import { cidrGeoLookup } from 'recycled-number-guard/evidence';

const dir = mkdtempSync(join(tmpdir(), 'rng-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = fileURLToPath(new URL('../..', import.meta.url));

const KEY = 'evidence-test-audit-key-0123456789';
const PHONE_A = '+8613800138000';
const PHONE_B = '+8613900139000';
const IP = '198.51.100.77';
const DAY = 86_400_000;
const START = Date.parse('2026-01-10T09:00:00Z');
const geo = cidrGeoLookup([{ cidr: '198.51.100.0/24', geo: { country: 'CN', region: 'BJ', city: 'Beijing', lat: 39.9, lon: 116.4 } }]);

/** Two accounts, interleaved over six days: A is the one in dispute, B must never show in A's export. */
async function history(audit: AuditSink) {
  let now = START;
  const guard = createGuard({ audit, geo, checks: ['password', 'face'], hashKey: 'evidence-test-hash-key-0123456789', clock: () => now });
  for (let day = 0; day < 6; day++) {
    now = START + day * DAY;
    for (const [accountId, phone] of [
      ['acct-A', PHONE_A],
      ['acct-B', PHONE_B],
    ] as const) {
      const decision = await guard.assess({ accountId, phone, phoneBoundAt: '2022-01-01', ip: IP, at: now });
      if (decision.action === 'step_up') await guard.recordOutcome(decision.id, { check: 'password', passed: day % 2 === 0 });
    }
  }
  return { guard, setNow: (at: number) => (now = at) };
}

const clone = (evidence: EvidenceExport) => JSON.parse(JSON.stringify(evidence)) as EvidenceExport;

describe('guard.evidenceFor', () => {
  it("exports one account's records, verifiable alone, with nothing of the other account, no number and no IP", async () => {
    const sink = memoryAuditSink({ key: KEY });
    const { guard } = await history(sink);
    const evidence = await guard.evidenceFor('acct-A');
    expect(evidence.records.length).toBeGreaterThanOrEqual(6);
    expect(evidence.records.every((record) => record.accountId === 'acct-A')).toBe(true);
    expect(evidence.records.map((record) => record.accountSeq)).toEqual(evidence.records.map((_, index) => index + 1));
    expect(new Set(evidence.records.map((record) => record.kind))).toEqual(new Set(['decision', 'outcome', 'protect']));
    expect(evidence.records[0]!.reasons!.length).toBeGreaterThan(0);
    expect(verifyEvidence(evidence, { key: KEY })).toEqual({ ok: true, records: evidence.records.length });

    const text = JSON.stringify(evidence);
    // Records that belong to no decision (a protection the guard set) carry an empty decision id.
    const otherIds = sink.records.filter((record) => record.accountId === 'acct-B' && record.decisionId).map((record) => record.decisionId);
    expect(otherIds.length).toBeGreaterThan(0);
    for (const forbidden of ['acct-B', ...otherIds, PHONE_A, PHONE_A.slice(3), PHONE_B.slice(3), IP]) expect(text).not.toContain(forbidden);
    // Not even the log's chain: its hashes and positions would show how many records other accounts have.
    for (const record of evidence.records) for (const field of ['seq', 'prev', 'hash']) expect(record).not.toHaveProperty(field);
    const logHashes = sink.records.map((record) => record.hash);
    for (const hash of logHashes) expect(text).not.toContain(hash);
  });

  it('(f) detects any edit: a changed field, a removed, reordered or appended entry, a changed period or seal', async () => {
    const sink = memoryAuditSink({ key: KEY });
    const { guard } = await history(sink);
    const evidence = await guard.evidenceFor('acct-A');
    const other = await guard.evidenceFor('acct-B');
    const n = evidence.records.length;
    const edits: [string, (copy: EvidenceExport) => void, string][] = [
      ['changed risk', (copy) => (copy.records[1]!.risk = 0.0001), 'tampered'],
      ['changed action', (copy) => (copy.records[0]!.action = 'allow'), 'tampered'],
      ['changed reason message', (copy) => (copy.records[0]!.reasons![0]!.message = 'nothing unusual'), 'tampered'],
      ['added field', (copy) => ((copy.records[2] as unknown as Record<string, unknown>).note = 'owner agreed'), 'tampered'],
      ['removed middle entry', (copy) => copy.records.splice(2, 1), 'missing'],
      ['removed first entry', (copy) => copy.records.shift(), 'missing'],
      ['removed last entry', (copy) => copy.records.pop(), 'missing'],
      [
        'removed last entry, count fixed',
        (copy) => {
          copy.records.pop();
          copy.segment.count = n - 1;
          copy.segment.last = copy.records.at(-1)!.accountHash;
        },
        'seal',
      ],
      ['reordered entries', (copy) => ([copy.records[1], copy.records[2]] = [copy.records[2]!, copy.records[1]!]), 'reordered'],
      ['appended duplicate', (copy) => copy.records.push(clone(evidence).records.at(-1)!), 'reordered'],
      ['appended entry of another account', (copy) => copy.records.push(other.records.at(-1)!), 'foreign'],
      ['period widened', (copy) => (copy.period.from = '2020-01-01T00:00:00.000Z'), 'seal'],
      ['seal replaced', (copy) => (copy.seal = '0'.repeat(64)), 'seal'],
    ];
    for (const [name, edit, kind] of edits) {
      const copy = clone(evidence);
      edit(copy);
      const result = verifyEvidence(copy, { key: KEY });
      expect(result.ok, name).toBe(false);
      expect(result.problem?.kind, name).toBe(kind);
    }
    // Every single field of every record is covered.
    for (let index = 0; index < n; index++) {
      for (const field of Object.keys(evidence.records[index]!)) {
        const copy = clone(evidence);
        const record = copy.records[index] as unknown as Record<string, unknown>;
        record[field] =
          typeof record[field] === 'number' ? (record[field] as number) + 1 : typeof record[field] === 'string' ? `${record[field] as string}x` : null;
        expect(verifyEvidence(copy, { key: KEY }).ok, `record ${index} field ${field}`).toBe(false);
      }
    }
    expect(verifyEvidence(evidence, { key: 'a-different-key-0123456789' }).ok).toBe(false);
    expect(verifyEvidence(evidence).problem?.kind).toBe('key_required');
    expect(verifyEvidence({ format: 'something else' }).problem?.kind).toBe('malformed');
    expect(verifyEvidence(null).ok).toBe(false);
  });

  it('an appended record a forger hashed without the key is detected; without a key the chain still catches naive edits', async () => {
    const keyed = await (await history(memoryAuditSink({ key: KEY }))).guard.evidenceFor('acct-A');
    const { createHash } = await import('node:crypto');
    const { canonicalJson } = await import('recycled-number-guard/audit');
    const last = keyed.records.at(-1)!;
    const forged = { ...last, kind: 'decision' as const, action: 'allow' as const, accountSeq: last.accountSeq + 1, accountPrev: last.accountHash };
    const { accountHash: _old, ...body } = forged;
    forged.accountHash = createHash('sha256').update(forged.accountPrev).update('\n').update(canonicalJson(body)).digest('hex');
    const copy = clone(keyed);
    copy.records.push(forged);
    expect(verifyEvidence(copy, { key: KEY }).problem?.kind).toBe('tampered');

    const plain = await (await history(memoryAuditSink())).guard.evidenceFor('acct-A');
    expect(plain.keyed).toBe(false);
    expect(verifyEvidence(plain)).toMatchObject({ ok: true });
    const edited = clone(plain);
    edited.records[0]!.risk = 0;
    expect(verifyEvidence(edited).problem?.kind).toBe('tampered');
  });

  it('a period is a contiguous stretch of the chain that starts where the one before it ended', async () => {
    const { guard } = await history(memoryAuditSink({ key: KEY }));
    const all = await guard.evidenceFor('acct-A');
    const later = await guard.evidenceFor('acct-A', { from: START + 2 * DAY, to: new Date(START + 4 * DAY + 3_600_000) });
    expect(later.records.length).toBeGreaterThan(0);
    expect(later.records.length).toBeLessThan(all.records.length);
    for (const record of later.records) expect(Date.parse(record.at)).toBeGreaterThanOrEqual(START + 2 * DAY);
    const firstIndex = all.records.findIndex((record) => record.accountHash === later.records[0]!.accountHash);
    expect(later.segment.prev).toBe(all.records[firstIndex - 1]!.accountHash);
    expect(verifyEvidence(later, { key: KEY }).ok).toBe(true);
    const empty = await guard.evidenceFor('acct-A', { from: START + 30 * DAY });
    expect(empty.records).toEqual([]);
    expect(empty.segment.prev).toBe(all.records.at(-1)!.accountHash);
    expect(verifyEvidence(empty, { key: KEY }).ok).toBe(true);
    await expect(guard.evidenceFor('acct-A', { from: 'not a date' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(guard.evidenceFor('acct-A', { from: START + DAY, to: START })).rejects.toMatchObject({ fields: ['from'] });
  });

  it('carries every kind of audit entry for the account (freeze, release...), not only decisions and outcomes', async () => {
    const sink = memoryAuditSink();
    const { guard, setNow } = await history(sink);
    setNow(START + 7 * DAY);
    const freeze = {
      kind: 'freeze',
      at: new Date(START + 7 * DAY).toISOString(),
      decisionId: '',
      accountId: 'acct-A',
      phoneHash: 'h',
      proof: { check: 'password', passed: true },
    };
    await sink.append(freeze as unknown as AuditEntry);
    const evidence = await guard.evidenceFor('acct-A');
    expect(evidence.records.at(-1)).toMatchObject({ kind: 'freeze', proof: { check: 'password', passed: true } });
    expect(verifyEvidence(evidence).ok).toBe(true);
    const html = renderEvidenceHtml(evidence, { locale: 'zh-CN', verification: verifyEvidence(evidence) });
    const requests = html.slice(html.indexOf('账号所有人的请求'), html.indexOf('全部条目'));
    expect(requests).toContain('冻结请求');
    expect(requests).toContain('2026-01-17 09:00:00');
  });

  it('the file sink keeps each account chain across restarts; the whole log still verifies', async () => {
    const path = join(dir, 'restart.jsonl');
    await history(fileAuditSink(path, { key: KEY }));
    // A new process: a new sink on the same file continues both the log and each account's chain.
    const { guard } = await history(fileAuditSink(path, { key: KEY }));
    const evidence = await guard.evidenceFor('acct-A');
    expect(evidence.records.map((record) => record.accountSeq)).toEqual(evidence.records.map((_, index) => index + 1));
    expect(evidence.records.length).toBeGreaterThanOrEqual(12);
    expect(verifyEvidence(evidence, { key: KEY }).ok).toBe(true);
    expect(await verifyAuditLog(path, { key: KEY })).toMatchObject({ ok: true });
  });

  it('needs a sink that reads back: typed errors otherwise; a callback sink with readAccount works', async () => {
    const written: AuditRecord[] = [];
    const noReadBack = await history(callbackAuditSink((record) => void written.push(record)));
    await expect(noReadBack.guard.evidenceFor('acct-A')).rejects.toBeInstanceOf(EvidenceUnavailableError);
    expect(written.every((record) => record.accountSeq === undefined)).toBe(true);
    await expect(createGuard({ geo: false }).evidenceFor('acct-A')).rejects.toMatchObject({ code: 'EVIDENCE_UNAVAILABLE' });

    const table: AuditRecord[] = [];
    const readBack = callbackAuditSink((record) => void table.push(record), {
      key: KEY,
      readAccount: async (accountId) => table.filter((record) => record.accountId === accountId),
    });
    const { guard } = await history(readBack);
    const evidence = await guard.evidenceFor('acct-B');
    expect(verifyEvidence(evidence, { key: KEY }).ok).toBe(true);
    const failing = callbackAuditSink(() => undefined, { readAccount: async () => Promise.reject(new Error('db down')) });
    const broken = createGuard({ geo: false, audit: { ...failing, append: async (entry) => ({ ...entry, seq: 1, prev: '', hash: '' }) } });
    await expect(broken.evidenceFor('acct-A')).rejects.toBeInstanceOf(EvidenceUnavailableError);
  });
});

describe('the printable view', () => {
  it('escapes everything it shows, in English and Chinese', async () => {
    const sink = memoryAuditSink();
    const hostile = '<script>alert("x")</script>&<img src=x onerror=alert(1)>';
    const reasons = [{ code: 'new_device', effect: 0.2, message: hostile }];
    await sink.append({
      kind: 'decision',
      at: '2026-01-10T09:00:00.000Z',
      decisionId: 'dec_1',
      accountId: hostile,
      phoneHash: 'h',
      action: 'deny',
      risk: 0.5,
      reasons,
    });
    const guard = createGuard({ geo: false, audit: sink });
    const evidence = await guard.evidenceFor(hostile);
    for (const locale of ['en', 'zh-CN'] as const) {
      const html = renderEvidenceHtml(evidence, { locale, verification: verifyEvidence(evidence) });
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain(locale === 'en' ? 'Account security record' : '账号安全记录');
      expect(html).toContain(locale === 'en' ? 'new device' : '新设备');
      expect(html).toContain(locale === 'en' ? 'chain of this record verifies' : '校验通过');
    }
  });
});

describe('recycled-number-guard verify-evidence', () => {
  const cli = (...args: string[]) => {
    try {
      const env = { ...process.env, RNG_AUDIT_KEY: KEY };
      return {
        code: 0,
        out: execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify-evidence', ...args], { cwd: root, encoding: 'utf8', env }),
      };
    } catch (error) {
      const failed = error as { status: number; stdout: string };
      return { code: failed.status, out: failed.stdout };
    }
  };

  it('exit 0 for an intact export (and writes the page), 1 for an edited one, 2 on bad usage', async () => {
    const { guard } = await history(memoryAuditSink({ key: KEY }));
    const path = join(dir, 'evidence.json');
    const page = join(dir, 'evidence.html');
    writeFileSync(path, JSON.stringify(await guard.evidenceFor('acct-A'), null, 2));
    const ok = cli(path, '--key-env', 'RNG_AUDIT_KEY', '--html', page, '--locale', 'zh-CN');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ok: \d+ records of one account, chain and seal intact \(HMAC\)/);
    expect(readFileSync(page, 'utf8')).toContain('本记录的哈希链校验通过');
    expect(cli(path).code).toBe(1);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"step_up"', '"allow"'));
    const edited = cli(path, '--key-env', 'RNG_AUDIT_KEY');
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/^NOT VERIFIED \(tampered\): record \d+ \(decision at .*\) was changed after it was written/);
    expect(cli().code).toBe(2);
    expect(cli(path, '--locale', 'fr').code).toBe(2);
  });
});
