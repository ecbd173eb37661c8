import { execFileSync } from 'node:child_process';

interface Probe {
  ms: number;
  rssMb: number;
}

/** Runs a snippet in a fresh Node process and returns what it printed as JSON. */
function fresh<T>(root: string, code: string, flags: string[] = []): T {
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

const rss = 'process.memoryUsage().rss / 2 ** 20';

export interface GeoPath {
  name: string;
  /** What the host passes as `geo` (an expression over the module's exports); undefined: the default. */
  option?: string;
  note: string;
}

export interface ColdGeo {
  path: GeoPath;
  /** import + createGuard + await guard.ready(). */
  ready: Probe;
  /** The first assess after ready() (median of three fresh processes). */
  firstAfterReady: Probe;
  /** Without ready(): the first assess, and whether it was decided without a location. */
  firstWithoutReady: Probe & { geo: string; failMode: boolean };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function coldStart(root: string, geoPaths: GeoPath[]) {
  const bare = fresh<Probe>(root, `console.log(JSON.stringify({ ms: performance.now(), rssMb: ${rss} }))`);
  const imported = fresh<Probe>(
    root,
    `const t0 = performance.now(); await import('recycled-number-guard'); console.log(JSON.stringify({ ms: performance.now() - t0, rssMb: ${rss} }))`,
  );
  const attempt = `{ accountId: 'a', phone: '+14155552671', phoneBoundAt: '2024-01-01', ip: '8.8.8.8', at: '2026-01-10T00:00:00Z' }`;
  const firstDecision = fresh<Probe>(
    root,
    `const t0 = performance.now(); const { createGuard, cidrGeoLookup } = await import('recycled-number-guard');
     const guard = createGuard({ clock: () => Date.parse('2026-01-10T00:00:00Z'), geo: cidrGeoLookup([{ cidr: '8.8.8.0/24', geo: { country: 'US' } }]) });
     await guard.assess(${attempt});
     console.log(JSON.stringify({ ms: performance.now() - t0, rssMb: ${rss} }))`,
  );
  const make = (path: GeoPath) =>
    `const lib = await import('recycled-number-guard');
     const guard = lib.createGuard({ clock: () => Date.parse('2026-01-10T00:00:00Z')${path.option ? `, geo: ${path.option}` : ''} });`;
  const geo = geoPaths.map((path): ColdGeo => {
    const afterReady = [0, 1, 2].map(() =>
      fresh<{ ready: Probe; first: Probe }>(
        root,
        `const t0 = performance.now();
         ${make(path)}
         await guard.ready();
         const ready = { ms: performance.now() - t0, rssMb: ${rss} };
         const t1 = performance.now(); await guard.assess(${attempt});
         console.log(JSON.stringify({ ready, first: { ms: performance.now() - t1, rssMb: ${rss} } }))`,
      ),
    );
    const without = fresh<Probe & { geo: string; failMode: boolean }>(
      root,
      `${make(path)}
       const t0 = performance.now(); const d = await guard.assess(${attempt});
       console.log(JSON.stringify({ ms: performance.now() - t0, rssMb: ${rss}, geo: d.evidence.geo, failMode: d.reasons.some((r) => r.code === 'fail_mode_applied') }))`,
    );
    const byFirst = [...afterReady].sort((a, b) => a.first.ms - b.first.ms);
    return {
      path,
      ready: { ms: median(afterReady.map((run) => run.ready.ms)), rssMb: median(afterReady.map((run) => run.ready.rssMb)) },
      firstAfterReady: byFirst[1]!.first,
      firstWithoutReady: without,
    };
  });
  const pack = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  ) as {
    unpackedSize: number;
    entryCount: number;
  }[];
  return { bare, imported, firstDecision, geo, packageBytes: pack[0]!.unpackedSize, packageFiles: pack[0]!.entryCount };
}

/** Heap per account in the memory store after realistic profile writes (two devices, two places). */
export function memoryPerAccount(root: string, accounts: number): { heapBytes: number; perAccount: number } {
  return fresh(
    root,
    `const { memoryStore, DEFAULT_PROFILE_LIMITS } = await import('recycled-number-guard');
     const store = memoryStore({ maxAccounts: ${accounts} });
     gc(); const before = process.memoryUsage().heapUsed;
     const at = Date.parse('2026-01-01T00:00:00Z');
     for (let i = 0; i < ${accounts}; i++) {
       const keys = { account: 'acct-' + i, phone: 'p' + i };
       for (let d = 0; d < 2; d++) {
         await store.write({ keys, patch: {
           at: at + d * 86400000, phoneHash: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE',
           ownerProofAt: at + d * 86400000,
           device: { key: 't:' + (i * 2 + d).toString(36).padStart(22, 'x'), fromToken: true, classKey: d ? 'android|mobile#sm-s9180' : 'ios|mobile#iphone', osFamily: d ? 'android' : 'ios', deviceType: 'mobile', vouched: d === 0 },
           location: { key: 'CN|BJ|Beijing' + d, country: 'CN', region: 'BJ', lat: 39.9, lon: 116.4 },
           lastLogin: { at: at + d * 86400000, country: 'CN', region: 'BJ', lat: 39.9, lon: 116.4, accuracyKm: 20 },
         } }, DEFAULT_PROFILE_LIMITS);
       }
     }
     gc(); const heapBytes = process.memoryUsage().heapUsed - before;
     if (store.size !== ${accounts}) throw new Error('store evicted accounts: ' + store.size);
     console.log(JSON.stringify({ heapBytes, perAccount: heapBytes / ${accounts} }))`,
    ['--expose-gc', '--max-old-space-size=8192'],
  );
}
