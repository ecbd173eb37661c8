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

export function coldStart(root: string) {
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
  const afterGeo = fresh<Probe>(
    root,
    `const { createGuard } = await import('recycled-number-guard');
     const guard = createGuard({ clock: () => Date.parse('2026-01-10T00:00:00Z') });
     const t0 = performance.now(); await guard.assess(${attempt});
     console.log(JSON.stringify({ ms: performance.now() - t0, rssMb: ${rss} }))`,
  );
  const hostGeo = fresh<Probe>(
    root,
    `const { createGuard, cidrGeoLookup } = await import('recycled-number-guard');
     const guard = createGuard({ clock: () => Date.parse('2026-01-10T00:00:00Z'), geo: cidrGeoLookup([{ cidr: '8.8.8.0/24', geo: { country: 'US' } }]) });
     const t0 = performance.now(); await guard.assess(${attempt});
     console.log(JSON.stringify({ ms: performance.now() - t0, rssMb: ${rss} }))`,
  );
  const pack = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as {
    unpackedSize: number;
    entryCount: number;
  }[];
  return { bare, imported, firstDecision, afterGeo, hostGeo, packageBytes: pack[0]!.unpackedSize, packageFiles: pack[0]!.entryCount };
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
