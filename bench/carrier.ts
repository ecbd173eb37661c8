/**
 * What carrier evidence adds to assess(): a cached answer (served from the store snapshot the
 * guard reads anyway) and a cold one against a local HTTP mock with a fixed delay.
 * Baseline in the same run: the same attempts with no provider configured.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadDist } from './hot-path.js';
import { benchStream } from './stream.js';

type NumberIntelProvider = import('../src/index.js').NumberIntelProvider;

const DELAY_MS = 20;

function mockCarrier(): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json', 'x-correlator': String(request.headers['x-correlator'] ?? '') });
        // "Not recycled" for every number, so cached and uncached runs make the same decisions.
        response.end(JSON.stringify({ phoneNumberRecycled: !body.includes('"specifiedDate"') }));
      }, DELAY_MS);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The real CAMARA Number Recycling adapter from the built package, pointed at the local mock. */
async function numberRecycling(base: string): Promise<NumberIntelProvider> {
  const camara = (await import(new URL('../dist/camara.js', import.meta.url).href)) as typeof import('../src/evidence/number-intel/camara/index.js');
  const client = camara.createCamaraClient({ apiRoot: base, allowInsecureHttp: true, auth: camara.hostToken({ legs: 2, token: () => 'bench-token' }) });
  return camara.camaraNumberRecycling(client);
}

async function meanAssessMs(provider: NumberIntelProvider | undefined, cacheMs: number, count: number): Promise<number> {
  const { createGuard, memoryStore } = await loadDist();
  const stream = benchStream(count + 2_000, 1_000, 11);
  let now = stream[0]!.at;
  const guard = createGuard({
    store: memoryStore({ now: () => now }),
    hashKey: 'benchmark-key-0123456789',
    clock: () => now,
    geo: false,
    budgetMs: 2_000,
    ...(provider ? { numberIntel: provider } : {}),
    intelCacheTtl: { changedMs: cacheMs, unchangedMs: cacheMs },
  });
  // Warm-up: one attempt per account of the timed stream, so a cached run has every number cached.
  const firsts = new Map(stream.slice(2_000).map((attempt) => [attempt.accountId, attempt]));
  for (const attempt of [...stream.slice(0, 2_000), ...firsts.values()]) {
    now = Math.max(now, attempt.at);
    await guard.assess({ ...attempt, at: now });
  }
  let total = 0;
  for (const attempt of stream.slice(2_000)) {
    now = Math.max(now, attempt.at);
    const t0 = performance.now();
    await guard.assess({ ...attempt, at: now });
    total += performance.now() - t0;
  }
  return total / count;
}

export async function carrierEvidence(_root: string, quick: boolean): Promise<void> {
  console.log('\n## Carrier evidence: added latency per assess\n');
  const server = await mockCarrier();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const provider = await numberRecycling(base);
    const count = quick ? 5_000 : 20_000;
    // A difference of microseconds between two means: three alternating runs each, medians, so one
    // collection or a neighbour's burst in one run does not decide the figure.
    const baselines: number[] = [];
    const cachedRuns: number[] = [];
    for (let run = 0; run < 3; run++) {
      baselines.push(await meanAssessMs(undefined, 0, count));
      cachedRuns.push(await meanAssessMs(provider, 86_400_000 * 365, count));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
    const baseline = median(baselines);
    const cached = median(cachedRuns);
    const coldCount = quick ? 50 : 200;
    const cold = await meanAssessMs(provider, 0, coldCount);
    // The same request without the guard: what the network and the mock cost by themselves.
    let raw = 0;
    for (let i = 0; i < coldCount; i++) {
      const t0 = performance.now();
      await provider.check({ phone: '+14155552671', since: new Date('2024-01-01'), signal: AbortSignal.timeout(2_000) });
      raw += performance.now() - t0;
    }
    raw /= coldCount;
    console.log('| what | mean assess | added vs no provider |');
    console.log('|---|---|---|');
    console.log(`| no provider (baseline), median of 3 runs | ${(baseline * 1000).toFixed(1)} µs | - |`);
    console.log(
      `| provider, answer cached in the store, median of 3 runs | ${(cached * 1000).toFixed(1)} µs | ${((cached - baseline) * 1000).toFixed(1)} µs (target < 5 µs) |`,
    );
    console.log(`| the provider's HTTP call alone (mock delay ${DELAY_MS} ms) | ${raw.toFixed(2)} ms | - |`);
    console.log(
      `| provider, cold: every assess asks the mock | ${cold.toFixed(2)} ms | ${((cold - raw) * 1000).toFixed(0)} µs beyond the bare HTTP call; ${(cold - DELAY_MS).toFixed(2)} ms beyond the delay |`,
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
