import { defineConfig, type Options } from 'tsup';

// One entry per public subpath; keep in sync with package.json "exports".
const library = {
  index: 'src/index.ts',
  store: 'src/persist/index.ts',
  audit: 'src/audit/public.ts',
  evidence: 'src/evidence/index.ts',
  core: 'src/core/index.ts',
  types: 'src/types/index.ts',
  redis: 'src/persist/redis/index.ts',
  postgres: 'src/persist/postgres/index.ts',
  testing: 'src/testing/index.ts',
  camara: 'src/evidence/number-intel/camara/index.ts',
  twilio: 'src/evidence/number-intel/twilio/index.ts',
  telesign: 'src/evidence/number-intel/telesign/index.ts',
  vonage: 'src/evidence/number-intel/vonage/index.ts',
  http: 'src/adapters/http/index.ts',
  'better-auth': 'src/integrations/better-auth/index.ts',
  'better-auth/client': 'src/integrations/better-auth/client.ts',
  next: 'src/integrations/next/index.ts',
  authjs: 'src/integrations/authjs/index.ts',
  nestjs: 'src/integrations/nestjs/index.ts',
  opentelemetry: 'src/observability/opentelemetry/index.ts',
};

const shared: Options = {
  target: 'node20',
  splitting: true,
  treeshake: true,
  // import.meta.url for createRequire in the CJS build (lazy dependency loading).
  shims: true,
  // Minified to stay inside the 400 kB package budget with the CLI, the simulator and six framework
  // entry points on board; keepNames keeps every function's and class's name, so stack traces and
  // error names still read.
  minify: true,
  keepNames: true,
  // Optional peers stay external and are loaded only by their subpaths.
  external: ['ioredis', 'pg', 'geoip-lite', 'mmdb-lib', /^better-auth(\/|$)/, '@auth/core', '@nestjs/common', '@opentelemetry/api'],
};

export default defineConfig([
  {
    // ESM: the library, the CLI and the backtest's worker in one build, so they share chunks and the
    // package ships the code once (the worker threads load backtest-worker.js, and the simulator's evidence sim-evidence.js, from
    // next to cli.js).
    // src/cli/main.ts starts with a shebang, which esbuild keeps on dist/cli.js.
    ...shared,
    entry: { ...library, cli: 'src/cli/main.ts', 'backtest-worker': 'src/backtest/worker.ts', 'sim-evidence': 'src/simulate/replay-evidence.ts' },
    format: ['esm'],
    dts: { entry: library },
    clean: true,
  },
  {
    // CommonJS: the library only.
    ...shared,
    entry: library,
    format: ['cjs'],
    dts: { entry: library },
    clean: false,
  },
]);
