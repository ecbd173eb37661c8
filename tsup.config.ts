import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // One entry per public subpath; keep in sync with package.json "exports".
    entry: {
      index: 'src/index.ts',
      store: 'src/persist/index.ts',
      audit: 'src/audit/index.ts',
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
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    // import.meta.url for createRequire in the CJS build (lazy dependency loading).
    shims: true,
    // Optional peers stay external and are loaded only by their subpaths.
    external: ['ioredis', 'pg', 'geoip-lite', 'mmdb-lib'],
  },
  {
    // The CLI: ESM only, with a shebang; not part of the library's import surface. The backtest's
    // worker threads load backtest-worker.js from next to it, and the simulator's evidence
    // (geolocation table, carrier) as sim-evidence.js.
    entry: { cli: 'src/cli/main.ts', 'backtest-worker': 'src/backtest/worker.ts', 'sim-evidence': 'src/simulate/replay-evidence.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['ioredis', 'pg', 'geoip-lite', 'mmdb-lib'],
  },
]);
