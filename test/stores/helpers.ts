import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import type { Store } from 'recycled-number-guard';
import { postgresStore } from 'recycled-number-guard/postgres';
import { redisStore } from 'recycled-number-guard/redis';

/** Unique per test file and run, so parallel runs (and other helpers' runs) never share keys or schemas. */
export const runId = (tag: string) => `${tag}${process.pid}_${Date.now().toString(36)}`;

/**
 * The adapters' capability flags, read off stores that never connect (the objects only pass the
 * adapters' shape checks): the conformance suite registers its cases from them, so collecting
 * tests opens no connection.
 */
export const redisCapabilities = redisStore({ client: { pipeline() {}, evalsha() {} } as unknown as Redis }).capabilities;
export const postgresCapabilities = postgresStore({ pool: { query: async () => ({ rows: [] }) } as unknown as pg.Pool }).capabilities;

export const redisClient = (options: RedisOptions = {}) => new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 2, ...options });

export const pgPool = (options: pg.PoolConfig = {}) => new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', ...options });

/** Delete every key under a prefix (SCAN, not KEYS: the server is shared). */
export async function deleteRedisKeys(client: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  const stream = client.scanStream({ match: `${prefix}*`, count: 500 });
  for await (const batch of stream as AsyncIterable<string[]>) {
    if (batch.length > 0) deleted += await client.del(...batch);
  }
  return deleted;
}

/** Unhandled rejections and uncaught exceptions seen while a test file runs. */
export function watchProcess() {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  const onException = (error: unknown) => seen.push(error);
  return {
    seen,
    start() {
      process.on('unhandledRejection', onRejection);
      process.on('uncaughtException', onException);
    },
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** A store whose reads and/or writes answer `ms` late (a saturated or distant backend). */
export function delayed(inner: Store, ms: { read?: number; write?: number }): Store {
  const later = <T>(work: () => Promise<T>, delay: number | undefined): Promise<T> =>
    delay === undefined ? work() : new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(work);
  return {
    name: `slow ${inner.name}`,
    capabilities: inner.capabilities,
    read: (keys, signal) => later(() => inner.read(keys, signal), ms.read),
    write: (write, limits, signal) => later(() => inner.write(write, limits, signal), ms.write),
    takePending: (id) => inner.takePending(id),
    addNumberEvents: (phone, events) => inner.addNumberEvents(phone, events),
  };
}

/** Counts what reaches the network through an ioredis client: each direct command, each pipeline exec. */
export function countingRedis(client: Redis): { client: Redis; requests: () => number; reset(): void } {
  let requests = 0;
  const direct = new Set(['get', 'mget', 'set', 'evalsha', 'eval', 'getdel', 'del', 'script']);
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'pipeline') {
        return () => {
          const pipeline = target.pipeline();
          const exec = pipeline.exec.bind(pipeline);
          pipeline.exec = (() => {
            requests++;
            return exec();
          }) as typeof pipeline.exec;
          return pipeline;
        };
      }
      if (typeof property === 'string' && direct.has(property) && typeof value === 'function') {
        return (...args: unknown[]) => {
          requests++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    client: proxy,
    requests: () => requests,
    reset() {
      requests = 0;
    },
  };
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    // A cluster node also listens on port + 10000 (its bus).
    if (port > 1024 && port <= 55_000) return port;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface PrivateRedis {
  ports: number[];
  /** Run a command on every node, each through its own short-lived connection. */
  onEachNode(command: string, ...args: string[]): Promise<unknown[]>;
  stop(): Promise<void>;
}

/**
 * Private redis-server processes on free loopback ports, in a temporary directory, nothing saved:
 * `nodes` > 1 (or `cluster`) forms a Redis Cluster with `redis-cli --cluster create`. Stopped (by
 * their own pids) and removed in stop().
 */
export async function startPrivateRedis(nodes: number, cluster: boolean, extraArgs: string[] = []): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'rng-redis-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(3_000)]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < nodes; i++) {
      const port = await freePort();
      ports.push(port);
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ];
      if (cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000');
      args.push(...extraArgs);
      const child = spawn('redis-server', args, { stdio: 'ignore' });
      children.push(child);
    }
    const ping = (port: number) => async () => {
      const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    };
    for (const port of ports) await waitFor(ping(port), `redis-server on ${port}`);
    const onEachNode = (command: string, ...args: string[]) =>
      Promise.all(
        ports.map(async (port) => {
          const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
          try {
            return await client.call(command, ...args);
          } finally {
            client.disconnect();
          }
        }),
      );
    if (cluster) {
      const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
      await waitFor(async () => (await onEachNode('CLUSTER', 'INFO')).every((info) => String(info).includes('cluster_state:ok')), 'cluster_state:ok');
    }
    return { ports, onEachNode, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
