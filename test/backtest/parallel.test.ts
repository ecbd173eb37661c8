import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulationEvidence } from '../../src/simulate/replay-evidence.js';
import { createReplayer, eventTime, type ReplayEvent } from '../../src/backtest/replay.js';
import { runBacktest } from '../../src/backtest/run.js';
import { decisionRecord } from '../../src/backtest/shard-replay.js';
import { DEFAULT_SHARD_KEY, Grouping, NumberKeys, parseShard, placeOf, shardHash } from '../../src/backtest/shard.js';
import { simReplayIntel } from '../../src/simulate/carrier.js';
import { simulationGeo } from '../../src/simulate/locations.js';
import { cli, decisions, summaryWithoutTiming, tempDir } from './helpers.js';

/**
 * A simulated stream (from `recycled-number-guard simulate`) made harder for sharding than the
 * simulator makes it: every fifth account shares the previous account's number and binding date
 * (family accounts), so the number's cached carrier answers are read across accounts; a few lines
 * are moved back in time; and there are malformed and blank lines.
 */
let dir: string;
let input: string;
let events: ReplayEvent[];

beforeAll(() => {
  dir = tempDir('parallel');
  const simulated = cli(['simulate', '--profile', 'us', '--accounts', '250', '--seed', '8']);
  expect(simulated.code).toBe(0);
  events = simulated.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ReplayEvent);
  const first = new Map<string, ReplayEvent>();
  for (const event of events) if (!first.has(event.accountId)) first.set(event.accountId, event);
  const accounts = [...first.keys()];
  // Both accounts of a pair: the first's number, bound on the earlier of their two dates.
  const shared = new Map<string, { phone: string; phoneBoundAt: string }>();
  for (let i = 1; i < accounts.length; i += 5) {
    const [older, younger] = [first.get(accounts[i - 1]!)!, first.get(accounts[i]!)!];
    const binding = { phone: older.phone, phoneBoundAt: [older.phoneBoundAt, younger.phoneBoundAt].sort()[0] as string };
    shared.set(older.accountId, binding).set(younger.accountId, binding);
  }
  for (const event of events) {
    const binding = shared.get(event.accountId);
    if (binding && event.phone === first.get(event.accountId)!.phone) Object.assign(event, binding);
  }
  const lines = events.map((event) => JSON.stringify(event));
  // Out of order: three lines moved 40 lines later (their time is then behind the clock).
  for (const at of [900, 2000, 3100]) lines.splice(at + 40, 0, ...lines.splice(at, 1));
  lines.splice(1500, 0, 'not json');
  lines.splice(2500, 0, JSON.stringify({ ...JSON.parse(lines[2500]!), phone: '+1 555' }));
  lines.splice(3500, 0, '');
  input = join(dir, 'events.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
});

describe('backtest on every core and on many machines', () => {
  it('the stream needs number-level state: splitting by account alone would change decisions', () => {
    const replay = () => createReplayer({ preset: 'cloud-drive', geo: simulationGeo(), numberIntel: simReplayIntel(), hashKey: 'test' });
    const whole = replay();
    const byAccount = [replay(), replay()];
    let clock = 0;
    let differences = 0;
    events.forEach((event, index) => {
      const at = eventTime(event);
      clock = Math.max(clock, at);
      const one = decisionRecord('line', index, event, whole.assess(event, at, clock) as never);
      const split = decisionRecord('line', index, event, byAccount[shardHash('test', event.accountId) % 2]!.assess(event, at, clock) as never);
      if (one !== split) differences++;
    });
    expect(differences).toBeGreaterThan(0);
  });

  it('--workers 2, --shard 0/2 + --shard 1/2 + merge and --workers 1 give the same summary.json and decisions', { timeout: 240_000 }, () => {
    const out = (name: string) => join(dir, name);
    const run = (args: string[]) => {
      const result = cli(args);
      expect(result.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
      expect(result.code).toBe(0);
      return result;
    };
    run(['backtest', input, '--workers', '1', '--out', out('w1')]);
    run(['backtest', input, '--workers', '2', '--out', out('w2')]);
    run(['backtest', input, '--workers', '2', '--ordered', '--out', out('w2-ordered')]);
    run(['backtest', input, '--shard', '0/2', '--workers', '1', '--out', out('shard-0')]);
    run(['backtest', input, '--shard', '1/2', '--workers', '1', '--out', out('shard-1')]);
    const merged = run(['backtest', 'merge', out('shard-1'), out('shard-0'), '--out', out('merged')]);
    run(['backtest', 'merge', out('shard-0'), out('shard-1'), '--ordered', '--out', out('merged-ordered')]);
    expect(merged.stdout).toContain('attempts assessed');

    const single = summaryWithoutTiming(out('w1'));
    expect(single.malformed).toBe(2);
    expect(single.blankLines).toBe(1);
    expect(single.outOfOrder).toBeGreaterThanOrEqual(3);
    expect(single.assessed).toBeGreaterThan(5000);
    for (const name of ['w2', 'w2-ordered', 'merged', 'merged-ordered']) expect(summaryWithoutTiming(out(name)), name).toEqual(single);
    // Byte for byte, not just equal as objects.
    expect(JSON.stringify(summaryWithoutTiming(out('merged')))).toBe(JSON.stringify(single));

    const inOrder = decisions(out('w1'));
    expect(inOrder.split('\n').length - 1).toBe(single.assessed);
    expect(decisions(out('w2-ordered'))).toBe(inOrder);
    expect(decisions(out('merged-ordered'))).toBe(inOrder);
    // Without --ordered: shard by shard, and the two workers are the two machines' shards.
    expect(decisions(out('merged'))).toBe(decisions(out('w2')));
    expect(decisions(out('w2'))).not.toBe(inOrder);
    const sorted = (text: string) => text.trim().split('\n').sort().join('\n');
    expect(sorted(decisions(out('w2')))).toBe(sorted(inOrder));
  });

  it('a shard can run on several workers itself, and --strict stops at the first malformed line whichever shard meets it', { timeout: 120_000 }, async () => {
    const base = { input, preset: 'cloud-drive' as const, evidence: simulationEvidence(), progress: false, log: () => {} };
    const whole = await runBacktest({ ...base, outDir: join(dir, 'lib-1'), workers: 1 });
    await runBacktest({ ...base, outDir: join(dir, 'lib-s0'), workers: 2, ordered: true, shard: { index: 0, count: 2 } });
    await runBacktest({ ...base, outDir: join(dir, 'lib-s1'), workers: 1, shard: { index: 1, count: 2 } });
    const { mergeBacktests } = await import('../../src/backtest/merge.js');
    const merged = await mergeBacktests({ dirs: [join(dir, 'lib-s0'), join(dir, 'lib-s1')], outDir: join(dir, 'lib-merged'), ordered: true });
    expect({ ...merged.summary, durationMs: 0, eventsPerSecond: 0 }).toEqual({ ...whole.summary, durationMs: 0, eventsPerSecond: 0 });
    expect(decisions(join(dir, 'lib-merged'))).toBe(decisions(join(dir, 'lib-1')));

    // Line 1501 does not parse (the main thread sees it); line 2501 has an invalid phone (a worker sees it).
    for (const workers of [1, 2]) await expect(runBacktest({ ...base, workers, strict: true })).rejects.toThrow(/^line 1501: not valid JSON/);
    const late = join(dir, 'strict.jsonl');
    const lines = (await import('node:fs')).readFileSync(input, 'utf8').split('\n');
    lines[1500] = lines[1499]!;
    writeFileSync(late, lines.join('\n'));
    for (const workers of [1, 2])
      await expect(runBacktest({ ...base, input: late, workers, strict: true })).rejects.toThrow(/^line 2501: invalid attempt: phone:/);
  });

  it("every shard runs on the whole input's clock: a late line is decided as of the latest time seen anywhere", { timeout: 60_000 }, async () => {
    const day = 86_400_000;
    const start = Date.parse('2024-03-01T00:00:00Z');
    const iso = (ms: number) => new Date(ms).toISOString();
    // Two accounts the default key puts on different workers.
    const names = Array.from({ length: 40 }, (_, i) => `clock-${i}`);
    const a = names.find((name) => shardHash(DEFAULT_SHARD_KEY, name) % 2 === 0)!;
    const b = names.find((name) => shardHash(DEFAULT_SHARD_KEY, name) % 2 === 1)!;
    const number = { disconnectedAt: iso(start + 2 * day), reissuedAt: iso(start + 5 * day), signal: 'exact', simChanges: [] };
    const login = (accountId: string, phone: string, at: number) =>
      JSON.stringify({
        accountId,
        phone,
        phoneBoundAt: '2021-06-01T00:00:00Z',
        ip: '10.1.0.9',
        deviceId: `dv-${accountId}`,
        at: iso(at),
        number,
        label: { isTakeover: false, scenario: 'L1', actor: 'owner' },
      });
    const file = join(dir, 'clock.jsonl');
    // a's second login is logged after b's login ten days later: the guard's clock is then day 10, a's
    // cached "same subscriber" answer (kept a day) has expired, and the carrier knows of the day-5 reissue.
    writeFileSync(
      file,
      [
        login(a, '+12025550101', start),
        login(b, '+12025550102', start + 3_600_000),
        login(b, '+12025550102', start + 10 * day),
        login(a, '+12025550101', start + day / 2),
      ].join('\n'),
    );
    const base = { input: file, preset: 'cloud-drive' as const, evidence: simulationEvidence(), progress: false, log: () => {} };
    await runBacktest({ ...base, outDir: join(dir, 'clock-1'), workers: 1 });
    await runBacktest({ ...base, outDir: join(dir, 'clock-2'), workers: 2, ordered: true });
    const late = JSON.parse(decisions(join(dir, 'clock-1')).trim().split('\n')[3]!) as { line: number; numberChangedHands: string };
    expect(late).toMatchObject({ line: 4, numberChangedHands: 'yes' });
    expect(decisions(join(dir, 'clock-2'))).toBe(decisions(join(dir, 'clock-1')));
  });

  it('merge refuses outputs that are not the shards of one run', { timeout: 60_000 }, async () => {
    const { mergeBacktests } = await import('../../src/backtest/merge.js');
    const target = join(dir, 'bad-merge');
    const shard0 = join(dir, 'shard-0');
    await expect(mergeBacktests({ dirs: [shard0], outDir: target })).rejects.toThrow(/missing shard 1\/2/);
    await expect(mergeBacktests({ dirs: [shard0, shard0], outDir: target })).rejects.toThrow(/both shard 0\/2/);
    await expect(mergeBacktests({ dirs: [shard0, join(dir, 'w1')], outDir: target })).rejects.toThrow(/no shard\.json/);
    const otherKey = join(dir, 'other-key');
    await runBacktest({
      input,
      preset: 'cloud-drive',
      outDir: otherKey,
      evidence: simulationEvidence(),
      progress: false,
      log: () => {},
      shard: { index: 1, count: 2 },
      shardKey: 'another key',
    });
    await expect(mergeBacktests({ dirs: [shard0, otherKey], outDir: target })).rejects.toThrow(/shard keys/);
    await expect(mergeBacktests({ dirs: [join(dir, 'w2'), join(dir, 'w2')], outDir: target })).rejects.toThrow(/no shard\.json/);
  });
});

describe('shard placement', () => {
  it('joins the accounts of one number, however it is written, and places the group by its smallest account', () => {
    const grouping = new Grouping();
    const keys = new NumberKeys('US');
    const add = (accountId: string, phone: string) =>
      grouping.add(accountId, keys.of({ accountId, phone, phoneBoundAt: '2024-01-01', ip: '10.0.0.1', at: '2024-02-01' }));
    const a = add('b-account', '+1 202-555-0143');
    const b = add('a-account', '(202) 555-0143');
    const c = add('c-account', '+12025550199');
    const d = add('c-account', '+12025550143'); // c moves to the shared number: all three join
    const e = add('lonely', '+12025550100');
    expect(keys.of({ accountId: 'x', phone: '555-0143', phoneBoundAt: '2024-01-01', ip: '10.0.0.1', at: '2024-02-01', defaultCountry: 'zz' })).toBe('');
    const hashes = grouping.hashes('k');
    expect(d).toBe(c);
    expect(new Set([hashes[a], hashes[b], hashes[c]]).size).toBe(1);
    expect(hashes[a]).toBe(shardHash('k', 'a-account'));
    expect(hashes[e]).toBe(shardHash('k', 'lonely'));
  });

  it('machine k of n and its workers partition the hashes; one machine with m workers cuts as m machines do', () => {
    for (let hash = 0; hash < 1000; hash++) {
      expect(placeOf(hash, 1, 2).worker).toBe(placeOf(hash, 2, 1).machine);
      expect(placeOf(hash, 3, 4).machine).toBe(hash % 3);
    }
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1', '-1/2', 'a/b', '0/0']) expect(() => parseShard(bad)).toThrow(/k\/n/);
  });
});
