/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, because
 * these machines are noisy. Results go to stdout as Markdown; docs/performance.md records a run.
 * Benchmarks the BUILT package (dist/), which is what hosts run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchStream } from './stream.js';
import { runFloor, runHotPath, type Timing } from './hot-path.js';

const root = fileURLToPath(new URL('..', import.meta.url));

if (!existsSync(`${root}/dist/index.js`)) {
  console.error('dist/ is missing: run `npm run build` first (npm run bench does).');
  process.exit(1);
}

// One core: re-run pinned to CPU 0 when taskset exists, so "per core" means one core.
if (!process.env.BENCH_PINNED && process.platform === 'linux' && spawnSync('taskset', ['--version']).status === 0) {
  const result = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

const quick = process.argv.includes('--quick');
const section = (title: string) => console.log(`\n## ${title}\n`);
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const fmt = (t: Timing) => `${Math.round(t.perSecond).toLocaleString('en-US')}/s | ${us(t.p50)} | ${us(t.p99)} | ${us(t.mean)}`;

console.log(`# recycled-number-guard benchmark\n`);
console.log(`node ${process.version}, ${process.platform}/${process.arch}, pinned to one core: ${process.env.BENCH_PINNED ? 'yes' : 'no'}`);
try {
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim();
  console.log(`cpu: ${cpu}`);
} catch {
  // Not Linux: the model is informational only.
}

// ---------------------------------------------------------------------------------------------
section('Hot path: assess vs the dependency floor (same stream, same process)');
const warm = quick ? 20_000 : 50_000;
const measured = quick ? 50_000 : 200_000;
const stream = benchStream(warm + measured);
const floor = await runFloor(stream.slice(warm));
const hot = await runHotPath(stream, warm);
console.log('| what | throughput | p50 | p99 | mean |');
console.log('|---|---|---|---|---|');
console.log(`| floor: ua-parser-js + geoip-lite + libphonenumber-js per attempt | ${fmt(floor)} |`);
console.log(`| guard.assess (memory store, geoip-lite, no provider) | ${fmt(hot.timing)} |`);
console.log(
  `\nguard / floor (mean time per attempt): **${(hot.timing.mean / floor.mean).toFixed(2)}** (target <= 1.0); p99 ${us(hot.timing.p99)} (target < 100 µs)`,
);
console.log(
  `decisions in the measured stream: ${Object.entries(hot.actions)
    .map(([action, count]) => `${action} ${count}`)
    .join(', ')}`,
);

// ---------------------------------------------------------------------------------------------
section('OpenTelemetry hooks: cost per assess (same run, same attempts)');
const { telemetryCost } = await import('./telemetry.js');
await telemetryCost(quick);

// ---------------------------------------------------------------------------------------------
section('Cold start and footprint (fresh processes)');
const { coldStart } = await import('./footprint.js');
const { syntheticMmdb } = await import('./synthetic-mmdb.js');
const mmdb = syntheticMmdb(quick ? 20_000 : 100_000);
const cold = coldStart(root, [
  { name: 'geoip-lite (default, bundled GeoLite2 data)', note: 'IPv4 + IPv6 city data' },
  {
    name: 'mmdbGeoLookup (host file)',
    option: `lib.mmdbGeoLookup({ path: ${JSON.stringify(mmdb.path)} })`,
    note: `synthetic ${mmdb.networks.toLocaleString('en-US')}-network City-layout file, ${(mmdb.bytes / 2 ** 20).toFixed(1)} MB`,
  },
  { name: 'host GeoLookup (CIDR table)', option: "lib.cidrGeoLookup([{ cidr: '8.8.8.0/24', geo: { country: 'US' } }])", note: 'no data to load' },
]);
mmdb.remove();
console.log('| what | figure |');
console.log('|---|---|');
console.log(`| bare node process: start, RSS | ${cold.bare.ms.toFixed(1)} ms, ${cold.bare.rssMb.toFixed(1)} MB |`);
console.log(
  `| import recycled-number-guard: time, RSS (over bare) | ${cold.imported.ms.toFixed(1)} ms, ${cold.imported.rssMb.toFixed(1)} MB (+${(cold.imported.rssMb - cold.bare.rssMb).toFixed(1)} MB) (targets < 50 ms, < 40 MB) |`,
);
console.log(
  `| import + createGuard + first assess (host GeoLookup): time, RSS | ${cold.firstDecision.ms.toFixed(1)} ms, ${cold.firstDecision.rssMb.toFixed(1)} MB (+${(cold.firstDecision.rssMb - cold.bare.rssMb).toFixed(1)} MB) |`,
);
console.log(`| package install size (npm pack, unpacked) | ${(cold.packageBytes / 1024).toFixed(0)} KiB in ${cold.packageFiles} files |`);
console.log('\nPer geolocation path, each figure from fresh processes (ready and first assess: median of three):\n');
console.log(
  '| geolocation | import + createGuard + `await guard.ready()`: time, RSS (over bare) | first assess after ready() (target < 5 ms) | first assess without ready(): time, geo, fail mode |',
);
console.log('|---|---|---|---|');
for (const row of cold.geo) {
  console.log(
    `| ${row.path.name}: ${row.path.note} | ${row.ready.ms.toFixed(0)} ms, ${row.ready.rssMb.toFixed(1)} MB (+${(row.ready.rssMb - cold.bare.rssMb).toFixed(1)} MB) | ${row.firstAfterReady.ms.toFixed(2)} ms | ${row.firstWithoutReady.ms.toFixed(1)} ms, geo ${row.firstWithoutReady.geo}, ${row.firstWithoutReady.failMode ? '**fail mode**' : 'no fail mode'} |`,
  );
}

// ---------------------------------------------------------------------------------------------
section('Memory per account (memory store)');
const { memoryPerAccount } = await import('./footprint.js');
const accounts = quick ? 200_000 : 1_000_000;
const memory = memoryPerAccount(root, accounts);
console.log(`| accounts | heap used | per account | projected for 1,000,000 |`);
console.log('|---|---|---|---|');
console.log(
  `| ${accounts.toLocaleString('en-US')} | ${(memory.heapBytes / 2 ** 20).toFixed(0)} MB | ${memory.perAccount.toFixed(0)} B | ${((memory.perAccount * 1e6) / 2 ** 30).toFixed(2)} GB (target < 1.5 GB) |`,
);

// ---------------------------------------------------------------------------------------------
const { sharedStores } = await import('./shared-stores.js');
await sharedStores(root, quick);

const { carrierEvidence } = await import('./carrier.js');
await carrierEvidence(root, quick);

const { deactivationsFeed } = await import('./deactivations.js');
await deactivationsFeed(quick);
