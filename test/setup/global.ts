// Vitest global setup: find what this machine offers once, say plainly what will not run, and hand
// the answers to every test file (inject('services')), so no file builds a client for a service
// that is not there. Under CI=true nothing may be skipped: a missing service fails the run.
import type { TestProject } from 'vitest/node';
import { pgliteDataDir } from './pglite-template.js';
import { probeServices, skippedGroups, type Services } from './probe.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: Services;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const found = await probeServices();
  const skipped = skippedGroups(found);
  if (process.env.CI && skipped.length > 0) {
    throw new Error(`CI=true runs every test group, but these cannot run:\n  - ${skipped.join('\n  - ')}`);
  }
  project.provide('services', { ...found, pgliteDataDir: await pgliteDataDir() });
  const say = () => {
    if (skipped.length === 0) return;
    process.stdout.write(`\nSkipped test groups (${skipped.length}):\n${skipped.map((line) => `  - ${line}\n`).join('')}\n`);
  };
  say();
  // Again at the end, next to the totals.
  return say;
}
