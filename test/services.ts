// What the global setup (test/setup/global.ts) found: test files ask here instead of probing, and
// build a client only inside a group that runs.
import { inject } from 'vitest';
import type { Services } from './setup/probe.js';

export type { Services };
export { START_SERVICES } from './setup/probe.js';

export const services = (): Services => inject('services');
