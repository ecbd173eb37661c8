import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DeactivationsAuthError } from '../../errors/deactivations-auth-error.js';
import { DeactivationsDateTooOldError } from '../../errors/deactivations-date-too-old-error.js';
import { RecycledNumberGuardError } from '../../errors/recycled-number-guard-error.js';
import { deactivationsDate, fetchDeactivations, type DeactivationsResult } from '../../evidence/number-intel/twilio/deactivations.js';
import { createGuard } from '../../guard/create-guard.js';
import { memoryStore } from '../../persist/memory-store.js';
import type { Store } from '../../persist/types.js';
import type { CliCommand } from '../command.js';
import { Args, UsageError } from './args.js';

const USAGE = `recycled-number-guard deactivations --from YYYY-MM-DD [--to YYYY-MM-DD] --state FILE <store> [options]

Fetches Twilio's daily files of US numbers deactivated by carriers (free) for every day of the range
and stores each number as a "disconnected" event, as guard.ingestNumberEvents does. A day already
done (per --state) is skipped, so a run that stopped resumes where it stopped; fetching a day again
stores nothing twice. Progress goes to stderr, the summary to stdout.

Store (the guard's own, so that logins see the events):
  --redis URL              ioredis connection URL        --redis-prefix P   key prefix (default rng)
  --postgres URL           pg connection string          --pg-schema S      schema (default recycled_number_guard)
  --dry-run                count only, store nothing (no hash key needed)

Environment:
  TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET
  RECYCLED_NUMBER_GUARD_HASH_KEY   the guard's hashKey (numbers are stored as keyed hashes)

Options:
  --to YYYY-MM-DD          last day (default: --from)
  --state FILE             progress per day, JSON (default deactivations-state.json)
  --force                  fetch days the state file marks as done
  --base-url URL           Twilio Messaging API base (default https://messaging.twilio.com)`;

/** At most this many days per run: Twilio keeps a limited history, and a typo should not mean years. */
const MAX_DAYS = 400;

interface DayState {
  status: 'done' | 'too_old';
  lines?: number;
  accepted?: number;
  rejected?: number;
  finishedAt: string;
}

interface StateFile {
  version: 1;
  days: Record<string, DayState>;
}

function readState(path: string): StateFile {
  if (!existsSync(path)) return { version: 1, days: {} };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  if (parsed?.version !== 1 || typeof parsed.days !== 'object' || parsed.days === null) throw new UsageError(`${path} is not a deactivations state file`);
  return parsed;
}

/** Written whole to a temporary file, then renamed: a crash never leaves half a state file. */
function writeState(path: string, state: StateFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += 86_400_000) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Progress on stderr: redrawn in place on a terminal, one line per report otherwise. */
function progressWriter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  let last = 0;
  return {
    update(day: string, lines: number, bytes: number, expected: number | undefined, started: number) {
      const now = performance.now();
      if (tty && now - last < 200) return;
      last = now;
      const rate = Math.round(lines / Math.max(0.001, (now - started) / 1000));
      const share = expected ? ` ${Math.min(100, Math.floor((bytes / expected) * 100))}%` : '';
      const text = `deactivations ${day}:${share} ${count(lines)} lines, ${count(rate)} lines/s`;
      stream.write(tty ? `\r${text}   ` : `${text}\n`);
    },
    line(text: string) {
      stream.write(tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}

interface StoreChoice {
  redis?: string;
  redisPrefix?: string;
  postgres?: string;
  pgSchema?: string;
  dryRun: boolean;
}

async function openStore(args: StoreChoice): Promise<{ store: Store; close: () => Promise<void> }> {
  if (args.dryRun) {
    const inner = memoryStore();
    return { store: { ...inner, name: 'dry-run', addNumberEvents: async () => {} }, close: async () => {} };
  }
  if (args.redis) {
    const { Redis } = await import('ioredis').catch(() => {
      throw new UsageError('--redis needs the ioredis package (npm install ioredis)');
    });
    const { redisStore } = await import('../../persist/redis/index.js');
    const client = new Redis(args.redis, { maxRetriesPerRequest: 2, lazyConnect: false });
    return { store: redisStore({ client, ...(args.redisPrefix ? { prefix: args.redisPrefix } : {}) }), close: async () => void (await client.quit()) };
  }
  const pg = await import('pg').catch(() => {
    throw new UsageError('--postgres needs the pg package (npm install pg)');
  });
  const { postgresStore } = await import('../../persist/postgres/index.js');
  const pool = new (pg.default ?? pg).Pool({ connectionString: args.postgres });
  const store = postgresStore({ pool, ...(args.pgSchema ? { schema: args.pgSchema } : {}) });
  await store.migrate();
  return { store, close: () => pool.end() };
}

export const deactivationsCommand: CliCommand = {
  name: 'deactivations',
  summary: "store Twilio's daily US deactivations files for a date range (resumable)",
  usage: USAGE,
  async run(argv) {
    let options;
    try {
      const args = new Args(argv);
      const from = args.value('--from');
      const to = args.value('--to') ?? from;
      const statePath = args.value('--state') ?? 'deactivations-state.json';
      const force = args.flag('--force');
      const baseUrl = args.value('--base-url');
      const redis = args.value('--redis');
      const redisPrefix = args.value('--redis-prefix');
      const postgres = args.value('--postgres');
      const pgSchema = args.value('--pg-schema');
      const dryRun = args.flag('--dry-run');
      if (args.positionals().length > 0) throw new UsageError('no positional arguments');
      if (!deactivationsDate(from)) throw new UsageError('--from must be a date, YYYY-MM-DD');
      if (!deactivationsDate(to)) throw new UsageError('--to must be a date, YYYY-MM-DD');
      const days = daysBetween(from!, to!);
      if (days.length === 0) throw new UsageError('--to is before --from');
      if (days.length > MAX_DAYS) throw new UsageError(`at most ${MAX_DAYS} days per run`);
      if ([redis, postgres, dryRun || undefined].filter(Boolean).length !== 1) throw new UsageError('give exactly one store: --redis, --postgres or --dry-run');
      const username = process.env.TWILIO_API_KEY ?? process.env.TWILIO_ACCOUNT_SID;
      const password = process.env.TWILIO_API_KEY ? process.env.TWILIO_API_SECRET : process.env.TWILIO_AUTH_TOKEN;
      if (!username || !password) throw new UsageError('set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET)');
      const hashKey = process.env.RECYCLED_NUMBER_GUARD_HASH_KEY;
      if (!dryRun && (!hashKey || Buffer.byteLength(hashKey) < 16)) {
        throw new UsageError("set RECYCLED_NUMBER_GUARD_HASH_KEY to the guard's hashKey (16 bytes or more)");
      }
      options = { days, statePath, force, baseUrl, redis, redisPrefix, postgres, pgSchema, dryRun, username, password, hashKey, state: readState(statePath) };
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${USAGE}\n`);
        return 2;
      }
      throw error;
    }

    let opened: Awaited<ReturnType<typeof openStore>>;
    try {
      const { redis, redisPrefix, postgres, pgSchema, dryRun } = options;
      opened = await openStore({ redis, redisPrefix, postgres, pgSchema, dryRun });
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
    const guard = createGuard({ store: opened.store, geo: false, ...(options.hashKey ? { hashKey: options.hashKey } : {}) });
    const progress = progressWriter(process.stderr);
    const done: DeactivationsResult[] = [];
    let exit = 0;
    try {
      for (const day of options.days) {
        const previous = options.state.days[day];
        if (previous && !options.force) {
          const what = previous.status === 'done' ? `already stored (${count(previous.accepted ?? 0)} numbers)` : 'older than Twilio keeps';
          progress.line(`deactivations ${day}: ${what}, skipped`);
          continue;
        }
        const started = performance.now();
        try {
          const result = await fetchDeactivations({
            date: day,
            username: options.username,
            password: options.password,
            guard,
            ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
            progressEveryLines: 100_000,
            onProgress: (p) => progress.update(day, p.lines, p.bytes, p.expectedBytes, started),
          });
          done.push(result);
          const { lines, accepted, rejected } = result;
          options.state.days[day] = { status: 'done', lines, accepted, rejected, finishedAt: new Date().toISOString() };
          writeState(options.statePath, options.state);
          const rate = Math.round(result.lines / Math.max(0.001, result.ms / 1000));
          progress.line(`deactivations ${day}: ${count(result.accepted)} numbers stored, ${count(result.rejected)} lines rejected, ${count(rate)} lines/s`);
          for (const issue of result.errors.slice(0, 5)) progress.line(`  line ${issue.line}: ${issue.field}: ${issue.message}`);
        } catch (error) {
          if (error instanceof DeactivationsDateTooOldError) {
            options.state.days[day] = { status: 'too_old', finishedAt: new Date().toISOString() };
            writeState(options.statePath, options.state);
            progress.line(`deactivations ${day}: ${error.message}; skipped`);
            continue;
          }
          const message = error instanceof Error ? error.message : String(error);
          const resume = error instanceof DeactivationsAuthError ? '' : ` Run the same command again to resume from ${day}.`;
          progress.line(`deactivations ${day}: ${message}.${resume}`);
          if (!(error instanceof RecycledNumberGuardError)) throw error;
          exit = 1;
          break;
        }
      }
    } finally {
      await opened.close().catch(() => {});
    }
    const stored = done.reduce((sum, result) => sum + result.accepted, 0);
    const lines = done.reduce((sum, result) => sum + result.lines, 0);
    const dry = options.dryRun ? ' (dry run: nothing kept)' : '';
    process.stdout.write(`${done.length} day(s) fetched: ${count(lines)} lines, ${count(stored)} numbers stored${dry}\n`);
    return exit;
  },
};
