import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests and examples import the package by name, resolved to the sources (tsconfig "paths" does
    // the same for tsx). test/package exercises the built dist through real Node resolution.
    alias: [
      { find: /^recycled-number-guard$/, replacement: src('index.ts') },
      { find: /^recycled-number-guard\/store$/, replacement: src('persist/index.ts') },
      { find: /^recycled-number-guard\/audit$/, replacement: src('audit/public.ts') },
      { find: /^recycled-number-guard\/evidence$/, replacement: src('evidence/index.ts') },
      { find: /^recycled-number-guard\/core$/, replacement: src('core/index.ts') },
      { find: /^recycled-number-guard\/types$/, replacement: src('types/index.ts') },
      { find: /^recycled-number-guard\/redis$/, replacement: src('persist/redis/index.ts') },
      { find: /^recycled-number-guard\/postgres$/, replacement: src('persist/postgres/index.ts') },
      { find: /^recycled-number-guard\/testing$/, replacement: src('testing/index.ts') },
      { find: /^recycled-number-guard\/camara$/, replacement: src('evidence/number-intel/camara/index.ts') },
      { find: /^recycled-number-guard\/twilio$/, replacement: src('evidence/number-intel/twilio/index.ts') },
      { find: /^recycled-number-guard\/telesign$/, replacement: src('evidence/number-intel/telesign/index.ts') },
      { find: /^recycled-number-guard\/vonage$/, replacement: src('evidence/number-intel/vonage/index.ts') },
      { find: /^recycled-number-guard\/http$/, replacement: src('adapters/http/index.ts') },
      { find: /^recycled-number-guard\/better-auth$/, replacement: src('integrations/better-auth/index.ts') },
      { find: /^recycled-number-guard\/better-auth\/client$/, replacement: src('integrations/better-auth/client.ts') },
      { find: /^recycled-number-guard\/next$/, replacement: src('integrations/next/index.ts') },
      { find: /^recycled-number-guard\/authjs$/, replacement: src('integrations/authjs/index.ts') },
      { find: /^recycled-number-guard\/nestjs$/, replacement: src('integrations/nestjs/index.ts') },
      { find: /^recycled-number-guard\/opentelemetry$/, replacement: src('observability/opentelemetry/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Probes Redis, PostgreSQL, redis-server and chromium once, names every group that will not run
    // (and fails under CI=true instead), and prepares the PGlite template.
    globalSetup: ['test/setup/global.ts'],
    // Generous: CI is a loaded 2-core machine, and a simulate-then-backtest test can take 30 s there.
    // A test that hangs still fails; speed is measured in benchmarks, never here.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
