import { createRequire } from 'node:module';
import type { BenchAttempt } from './stream.js';

type Library = typeof import('../src/index.js');
const require = createRequire(import.meta.url);

export interface Timing {
  perSecond: number;
  mean: number;
  p50: number;
  p99: number;
}

/** The built package, typed by its sources. */
export async function loadDist(): Promise<Library> {
  return (await import(new URL('../dist/index.js', import.meta.url).href)) as Library;
}

function summarize(samples: Float64Array, totalMs: number): Timing {
  const sorted = Float64Array.from(samples).sort();
  return {
    perSecond: samples.length / (totalMs / 1000),
    mean: totalMs / samples.length,
    p50: sorted[Math.floor(sorted.length * 0.5)]!,
    p99: sorted[Math.floor(sorted.length * 0.99)]!,
  };
}

/**
 * The floor: the dependency calls the guard cannot avoid for one attempt, uncached: parse the user
 * agent, geolocate the IP, parse and validate the number.
 */
export async function runFloor(stream: BenchAttempt[]): Promise<Timing> {
  const UAParser = require('ua-parser-js') as new (ua: string) => { getResult(): unknown };
  const geoip = require('geoip-lite') as { lookup(ip: string): unknown };
  const { parsePhoneNumberFromString } = require('libphonenumber-js') as typeof import('libphonenumber-js');
  geoip.lookup('8.8.8.8'); // load the database outside the timing, as the guard's run does
  let sink = 0;
  const samples = new Float64Array(stream.length);
  const started = performance.now();
  for (let i = 0; i < stream.length; i++) {
    const attempt = stream[i]!;
    const t0 = performance.now();
    const ua = new UAParser(attempt.userAgent).getResult();
    const place = geoip.lookup(attempt.ip);
    const phone = parsePhoneNumberFromString(attempt.phone);
    if (ua && place && phone?.isValid()) sink++;
    samples[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  if (sink === 0) throw new Error('floor did no work');
  return summarize(samples, total);
}

/**
 * assess() over the stream with the memory store and the default geolocation. The first `warm`
 * attempts build history and are not timed. Step-ups are completed by the owner (recordOutcome,
 * untimed), as in real traffic, so the profile mix includes known and vouched devices.
 */
export async function runHotPath(stream: BenchAttempt[], warm: number): Promise<{ timing: Timing; actions: Record<string, number> }> {
  const { createGuard, memoryStore } = await loadDist();
  let now = stream[0]!.at;
  const guard = createGuard({ preset: 'cloud-drive', store: memoryStore({ now: () => now }), hashKey: 'benchmark-key-0123456789', clock: () => now });
  const actions: Record<string, number> = {};
  const samples = new Float64Array(stream.length - warm);
  let timed = 0;
  for (let i = 0; i < stream.length; i++) {
    const attempt = stream[i]!;
    now = attempt.at;
    const t0 = performance.now();
    const decision = await guard.assess(attempt);
    const elapsed = performance.now() - t0;
    if (i >= warm) {
      samples[i - warm] = elapsed;
      timed += elapsed;
      actions[decision.action] = (actions[decision.action] ?? 0) + 1;
    }
    if (decision.action === 'step_up') await guard.recordOutcome(decision.id, { check: 'password', passed: true });
  }
  return { timing: summarize(samples, timed), actions };
}
