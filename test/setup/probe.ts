// What the test run can reach, found without creating a single client: a TCP connect to each
// service's port, a version call to a binary. Used by the global setup, before any test file runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';

export interface Services {
  /** Redis answers on 127.0.0.1:6379. */
  redis: boolean;
  /** A PostgreSQL server answers on 127.0.0.1:5432 (user postgres, database test, trust auth). */
  postgres: boolean;
  /** `redis-server` is on the PATH: tests start private servers and a cluster on free ports. */
  redisServer: boolean;
  /** Chromium for the browser tests (CHROMIUM_PATH, default /usr/bin/chromium). */
  chromium: boolean;
  /** A freshly initialised PGlite data directory (tar), for the embedded PostgreSQL runs. */
  pgliteDataDir: string;
}

/** The one command that starts the services; .ci/run calls it too. */
export const START_SERVICES = 'bash scripts/services.sh';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function portAnswers(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

export async function probeServices(): Promise<Omit<Services, 'pgliteDataDir'>> {
  const [redis, postgres] = await Promise.all([portAnswers(6379), portAnswers(5432)]);
  const redisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return { redis, postgres, redisServer, chromium: existsSync(CHROMIUM_PATH) };
}

/** Every group of tests that will not run, and why, in words a newcomer can act on. */
export function skippedGroups(found: Omit<Services, 'pgliteDataDir'>): string[] {
  const skipped: string[] = [];
  if (!found.redis) {
    skipped.push(
      `Redis store tests (conformance, faults, privacy scan, load, the deactivations CLI, the social example on Redis): nothing answers on 127.0.0.1:6379. Start it: ${START_SERVICES}`,
    );
  }
  if (!found.postgres) {
    skipped.push(
      `PostgreSQL server runs (the store suites ran on embedded PGlite instead; the concurrent-session tests, the deactivations CLI, which takes a database URL, and the better-auth integration need the server): nothing answers on 127.0.0.1:5432. Start it: ${START_SERVICES}`,
    );
  }
  if (!found.redisServer) {
    skipped.push('Private redis-server and Redis Cluster tests: redis-server is not on the PATH (Debian: apt-get install -y redis-server).');
  }
  if (!found.chromium) skipped.push(`Browser tests: no chromium at ${CHROMIUM_PATH} (Debian: apt-get install -y chromium, or set CHROMIUM_PATH).`);
  return skipped;
}
