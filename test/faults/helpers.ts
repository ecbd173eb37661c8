import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore, type NumberIntelAnswer, type NumberIntelProvider, type Store } from 'recycled-number-guard';

/**
 * Test doubles for fault tests: a raw node:http server that misbehaves on purpose, a provider that
 * talks to it over real sockets, and memory stores that are slow or down.
 */

export type Fault = 'hang' | 'reset' | 'http500' | 'http503' | 'http429' | 'malformed' | 'wrongShape' | 'slowBody' | 'html' | 'empty' | 'unchanged';

export interface FaultServer {
  base: string;
  /** Open client connections right now (to check that aborted requests really closed their sockets). */
  connections(): Promise<number>;
  requests: number;
  close(): Promise<void>;
}

export async function startFaultServer(): Promise<FaultServer> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const fault = (req.url ?? '/').slice(1).split('?')[0] as Fault;
    switch (fault) {
      case 'hang':
        return; // never answers
      case 'reset':
        req.socket.destroy();
        return;
      case 'http500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
        return;
      case 'http503':
        res.writeHead(503, { 'retry-after': '120' }).end();
        return;
      case 'http429':
        res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' }).end('{"error":"rate limited"}');
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"changedSince": tru');
        return;
      case 'wrongShape':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"changedSince":"yes","lastSimChange":{"when":"yesterday"}}');
        return;
      case 'slowBody':
        // Headers at once, then a body that never ends.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"changedSince":');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
        return;
      case 'empty':
        res.writeHead(200, { 'content-type': 'application/json' }).end();
        return;
      case 'unchanged':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"changedSince":false}');
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A host's own carrier provider over plain node:http; it honours the abort signal like a real client must. */
export function httpProvider(name: string, url: string): NumberIntelProvider {
  return {
    name,
    check: ({ signal, since }) =>
      new Promise<NumberIntelAnswer>((resolve, reject) => {
        const req = request(`${url}?since=${since.toISOString()}`, { signal, agent: false }, (res: IncomingMessage) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('error', reject);
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
            try {
              resolve({ source: name, ...(JSON.parse(body) as object) } as NumberIntelAnswer);
            } catch (error) {
              reject(error);
            }
          });
        });
        req.on('error', reject);
        req.end();
      }),
  };
}

export type StoreFault = 'readThrows' | 'readHangs' | 'readSlow' | 'writeThrows' | 'writeHangs' | 'garbage' | 'pendingThrows' | 'pendingHangs';

/**
 * A memory store with one fault. Network stores get the abort signal (capabilities.shared), and
 * this one honours it the way a real client does, so a slow call stops when the budget ends.
 */
export function faultyStore(fault: StoreFault, delayMs = 10_000): Store {
  const inner = memoryStore();
  const wait = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      // The guard may hand over a signal that has already fired (the budget ran out before the
      // call): an 'abort' listener added now would never run, and the timer would hold the process.
      if (signal?.aborted) return reject(new Error('aborted by the caller'));
      const timer = setTimeout(resolve, delayMs);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(new Error('aborted by the caller'));
        },
        { once: true },
      );
    });
  const never = () => new Promise<never>(() => {});
  return {
    name: `faulty-${fault}`,
    capabilities: { ...inner.capabilities, shared: true },
    async read(keys, signal) {
      if (fault === 'readThrows') throw new Error('ECONNREFUSED 10.0.0.5:6379');
      if (fault === 'readHangs') return never();
      if (fault === 'readSlow') await wait(signal);
      if (fault === 'garbage') return { profile: { v: 1, devices: 'not a list', locations: 42 }, intel: null, numberEvents: [] } as never;
      return inner.read(keys);
    },
    async write(write, limits, signal) {
      if (fault === 'writeThrows') throw new Error("READONLY You can't write against a read only replica");
      if (fault === 'writeHangs') return never();
      if (fault === 'readSlow') await wait(signal);
      return inner.write(write, limits);
    },
    async takePending(id) {
      if (fault === 'pendingThrows') throw new Error('ETIMEDOUT');
      if (fault === 'pendingHangs') return never();
      return inner.takePending(id);
    },
    addNumberEvents: (phone, events) => inner.addNumberEvents(phone, events),
  };
}

/** Collects unhandled rejections and uncaught exceptions while a suite runs. */
export { watchProcess } from '../stores/helpers.js';

export const DORMANT = {
  accountId: 'acct-dormant',
  phone: '+8613800138000',
  // Bound years ago, no history: a reissue was possible, so the carrier's word matters.
  phoneBoundAt: '2022-01-01T00:00:00Z',
  ip: '198.51.100.7',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

export async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}
