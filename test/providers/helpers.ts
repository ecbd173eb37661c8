import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The CAMARA OpenAPI files the contract tests serve with Prism (copies, with their licence and release). */
export const SPECS_DIR = resolve(REPO_ROOT, 'test/fixtures/camara');

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface LocalServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, port chosen by the OS. The handler sees the full body. */
export async function localServer(handler: (request: Recorded, response: ServerResponse, raw: IncomingMessage) => void | Promise<void>): Promise<LocalServer> {
  const requests: Recorded[] = [];
  const server = createServer((raw, response) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const recorded: Recorded = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      Promise.resolve(handler(recorded, response, raw)).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Echo the request's x-correlator, as the Commonalities require. */
export function echo(request: Recorded): Record<string, string> {
  const value = request.headers['x-correlator'];
  return typeof value === 'string' ? { 'x-correlator': value } : {};
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface PrismMock {
  url: string;
  stop(): Promise<void>;
}

const PRISM = resolve(REPO_ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js');

/**
 * `prism mock` for one OpenAPI file on 127.0.0.1 (request validation on, static examples).
 * Resolves once it listens; `stop()` ends the process and waits for its exit.
 */
export async function startPrism(specFile: string): Promise<PrismMock> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [PRISM, 'mock', '-h', '127.0.0.1', '-p', String(port), specFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitForListening(child, 45_000);
      return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
    } catch (error) {
      await stopChild(child);
      // Another process may have taken the port between our probe and prism's bind.
      if (attempt >= 3) throw error;
    }
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(() => finish(new Error(`prism did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`prism exited (${code}) before listening:\n${output}`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining the pipes so prism never blocks on a full buffer.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error) reject(error);
      else resolvePromise();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
