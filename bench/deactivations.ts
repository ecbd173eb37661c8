/**
 * Twilio deactivations feed throughput: lines per second through the built `fetchDeactivations`
 * (signed-link redirect, streaming, parsing, normalising and hashing every number), served by a
 * local HTTP server that generates the file while it writes it. Baseline in the same run: the same
 * file downloaded and split into lines with nothing else done.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDist } from './hot-path.js';

type Store = import('../src/index.js').Store;
type Twilio = typeof import('../src/evidence/number-intel/twilio/index.js');

const AREA = [201, 202, 212, 213, 305, 312, 404, 415, 469, 503, 512, 617, 646, 702, 713, 718, 805, 818, 917, 971];
const number = (i: number) =>
  `+1${AREA[i % AREA.length]}${200 + (Math.floor(i / AREA.length) % 800)}${String(Math.floor(i / (AREA.length * 800)) % 10_000).padStart(4, '0')}`;

function fileServer(lines: number): Promise<Server> {
  const server = createServer((request, response) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (request.url?.startsWith('/v1/Deactivations')) {
      const target = `${base}/file.txt?X-Amz-Signature=bench`;
      response.writeHead(307, { 'content-type': 'application/json', location: target }).end(JSON.stringify({ redirect_to: target }));
      return;
    }
    // Every line is 12 characters and a newline: the announced length is exact.
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(lines * 13) });
    let index = 0;
    const pump = () => {
      while (index < lines) {
        let chunk = '';
        const end = Math.min(lines, index + 4_000);
        for (; index < end; index++) chunk += `${number(index)}\n`;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      response.end();
    };
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Download and split into lines only: what the network and the line split cost by themselves. */
async function floor(base: string): Promise<{ lines: number; ms: number }> {
  const started = performance.now();
  const link = (await (await fetch(`${base}/v1/Deactivations?Date=2026-02-10`, { redirect: 'manual' })).json()) as { redirect_to: string };
  const response = await fetch(link.redirect_to);
  const decoder = new TextDecoder();
  let carry = '';
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const parts = (carry + decoder.decode(chunk, { stream: true })).split('\n');
    carry = parts.pop()!;
    lines += parts.length;
  }
  return { lines, ms: performance.now() - started };
}

export async function deactivationsFeed(quick: boolean): Promise<void> {
  console.log('\n## Twilio deactivations feed: lines per second\n');
  const lines = quick ? 200_000 : 1_000_000;
  const server = await fileServer(lines);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const { createGuard, memoryStore } = await loadDist();
    const twilio = (await import(new URL('../dist/twilio.js', import.meta.url).href)) as Twilio;
    const run = async (store: Store, from = base, expected = lines) => {
      const guard = createGuard({ store, hashKey: 'benchmark-key-0123456789', geo: false });
      const result = await twilio.fetchDeactivations({ date: '2026-02-10', username: 'ACbench', password: 'token', guard, baseUrl: from });
      if (result.accepted !== expected) throw new Error(`expected ${expected} numbers, stored ${result.accepted}`);
      return result;
    };
    const inner = memoryStore();
    let written = 0;
    // The feed's own cost: a store that takes the events and keeps none (a real store adds its write time).
    const counting: Store = { ...inner, name: 'counting', addNumberEvents: async (_phone, events) => void (written += events.length) };
    const bare = await floor(base);
    const feed = await run(counting);
    // The memory store keeps every event, so it gets a smaller file.
    const keptLines = Math.min(lines, 200_000);
    const small = await fileServer(keptLines);
    const kept = await run(memoryStore(), `http://127.0.0.1:${(small.address() as AddressInfo).port}`, keptLines).finally(() => small.close());
    const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en-US');
    console.log('| what | lines | time | lines/s |');
    console.log('|---|---|---|---|');
    console.log(
      `| floor: download through the redirect and split lines | ${bare.lines.toLocaleString('en-US')} | ${(bare.ms / 1000).toFixed(2)} s | ${rate(bare.lines, bare.ms)} |`,
    );
    console.log(
      `| fetchDeactivations into a guard (store keeps nothing) | ${feed.lines.toLocaleString('en-US')} | ${(feed.ms / 1000).toFixed(2)} s | ${rate(feed.lines, feed.ms)} |`,
    );
    console.log(
      `| fetchDeactivations into a guard on the memory store | ${kept.lines.toLocaleString('en-US')} | ${(kept.ms / 1000).toFixed(2)} s | ${rate(kept.lines, kept.ms)} |`,
    );
    console.log(
      `\n${written.toLocaleString('en-US')} events handed to the store; each number is validated (libphonenumber-js) and hashed (HMAC-SHA-256) on the line it was read from.`,
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
