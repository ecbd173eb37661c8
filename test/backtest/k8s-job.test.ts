import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ReplayEvent } from '../../src/backtest/replay.js';
import { cli, decisions, summaryWithoutTiming, tempDir } from './helpers.js';

/**
 * The Kubernetes manifests of docs/evaluation.md (examples/k8s/), run as the cluster would run
 * them: each pod's shell command, verbatim, once per completion index with JOB_COMPLETION_INDEX
 * set, then the merge Job's. `recycled-number-guard` is the CLI from its sources; the paths and
 * the CPU limit are this machine's instead of the cluster's.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const k8s = join(repo, 'examples/k8s');

interface Container {
  command: string[];
  args: string[];
  env: { name: string; value?: string; valueFrom?: { resourceFieldRef?: { resource: string } } }[];
  resources?: { limits?: Record<string, string> };
}
interface JobDocument {
  kind: string;
  spec: { completionMode?: string; completions?: number; parallelism?: number; template: { spec: { containers: Container[] } } };
}

function jobsIn(file: string): JobDocument[] {
  const documents = parseAllDocuments(readFileSync(join(k8s, file), 'utf8'));
  for (const document of documents) expect(document.errors).toEqual([]);
  return documents.map((document) => document.toJS() as JobDocument).filter((document) => document.kind === 'Job');
}

let dir: string;
let bin: string;
let input: string;
/** Accounts that share a number. */
const pairs: [string, string][] = [];

beforeAll(() => {
  dir = tempDir('k8s');
  // Family accounts: every fourth account shares the previous one's number, so the number's
  // history and carrier answers cross accounts and the shards must keep them together.
  const simulated = cli(['simulate', '--profile', 'us', '--accounts', '160', '--seed', '21']);
  expect(simulated.code).toBe(0);
  const events = simulated.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ReplayEvent);
  const first = new Map<string, ReplayEvent>();
  for (const event of events) if (!first.has(event.accountId)) first.set(event.accountId, event);
  const accounts = [...first.keys()];
  const shared = new Map<string, { phone: string; phoneBoundAt: string }>();
  for (let i = 1; i < accounts.length; i += 4) {
    const [older, younger] = [first.get(accounts[i - 1]!)!, first.get(accounts[i]!)!];
    const binding = { phone: older.phone, phoneBoundAt: [older.phoneBoundAt, younger.phoneBoundAt].sort()[0] as string };
    shared.set(older.accountId, binding).set(younger.accountId, binding);
    pairs.push([older.accountId, younger.accountId]);
  }
  for (const event of events) {
    const binding = shared.get(event.accountId);
    if (binding && event.phone === first.get(event.accountId)!.phone) Object.assign(event, binding);
  }
  input = join(dir, 'logins.jsonl');
  writeFileSync(input, `${events.map((event) => JSON.stringify(event)).join('\n')}\n`);
  // The image's `recycled-number-guard`, here the CLI from its sources.
  bin = join(dir, 'bin');
  mkdirSync(bin);
  const shim = join(bin, 'recycled-number-guard');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(repo, 'src/cli/main.ts')}" "$@"\n`);
  chmodSync(shim, 0o755);
});

/** A container's command as its pod runs it: the manifest's env, with this machine's paths and CPU limit. */
function runContainer(container: Container, overrides: Record<string, string>, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.resourceFieldRef)
      env[variable.name] = container.resources!.limits![variable.valueFrom.resourceFieldRef.resource.replace(/^limits\./, '')]!;
  }
  for (const name of Object.keys(overrides)) expect(env, `the manifest sets ${name}`).toHaveProperty(name);
  const result = spawnSync(container.command[0]!, [...container.command.slice(1), ...container.args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, ...env, ...overrides, ...extra },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the Kubernetes Indexed Job of docs/evaluation.md', () => {
  it('its shards, one per completion index, then the merge Job, give a single run’s summary.json and decisions', { timeout: 300_000 }, () => {
    const [shards] = jobsIn('backtest-shards.yaml');
    expect(shards!.spec.completionMode).toBe('Indexed');
    const completions = shards!.spec.completions!;
    expect(completions).toBeGreaterThan(1);
    const container = shards!.spec.template.spec.containers[0]!;
    expect(container.env.find((variable) => variable.name === 'SHARDS')?.value).toBe(String(completions));
    expect(container.args.join(' ')).toContain('--shard "$JOB_COMPLETION_INDEX/$SHARDS"');
    const out = join(dir, 'backtest');
    for (let index = 0; index < completions; index++) {
      // Two shards on two workers, the others on one: the worker count changes no decision.
      const pod = runContainer(container, { INPUT: input, OUT: out, WORKERS: String(1 + (index % 2)) }, { JOB_COMPLETION_INDEX: String(index) });
      expect(pod.stderr).toBe('');
      expect(pod.code).toBe(0);
      expect(JSON.parse(readFileSync(join(out, `shard-${index}`, 'shard.json'), 'utf8'))).toMatchObject({ shard: { index, count: completions } });
    }

    const [merge] = jobsIn('backtest-merge.yaml');
    expect(merge!.spec.completionMode).toBeUndefined();
    const merged = runContainer(merge!.spec.template.spec.containers[0]!, { OUT: out });
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);

    const single = join(dir, 'single');
    const whole = cli(['backtest', input, '--workers', '1', '--out', single]);
    expect(whole.code).toBe(0);
    expect(summaryWithoutTiming(join(out, 'merged'))).toEqual(summaryWithoutTiming(single));
    expect(decisions(join(out, 'merged'))).toBe(decisions(single));
    // Every shard decided some of the accounts, and accounts sharing a number were decided by one shard.
    const shardOf = new Map<string, number>();
    for (let index = 0; index < completions; index++) {
      const records = decisions(join(out, `shard-${index}`))
        .trim()
        .split('\n');
      expect(records.length).toBeGreaterThan(10);
      for (const record of records) shardOf.set((JSON.parse(record) as { accountId: string }).accountId, index);
    }
    expect(pairs.length).toBeGreaterThan(10);
    for (const [older, younger] of pairs) expect(shardOf.get(younger), `${older} and ${younger} share a number`).toBe(shardOf.get(older));
  });
});
