/**
 * The simulator's evidence for a backtest of its output (src/backtest/evidence.ts): its geolocation
 * table, and its carrier, which answers from each event's `number` truth. The CLI hands it to the
 * backtest; worker threads load this module by its URL (built: sim-evidence.js next to cli.js).
 */
import type { EvidenceSource, ReplayEvidence } from '../backtest/evidence.js';
import { simReplayIntel } from './carrier.js';
import type { EvidenceSignal } from './config.js';
import { isSimulationIp, simulationGeo } from './locations.js';

export interface SimulationEvidenceOptions {
  /** Answer every number as if its carrier offered this (ablations). */
  signal?: EvidenceSignal;
}

/** Loaded by every thread that decides. */
export function replayEvidence(options: SimulationEvidenceOptions): ReplayEvidence {
  return { geo: simulationGeo(), numberIntel: simReplayIntel(options.signal ? { signal: options.signal } : {}) };
}

/** This module's URL: its source under tsx and vitest, the built file next to the CLI otherwise. */
function moduleUrl(): string {
  const here = import.meta.url;
  return /\.[cm]?ts$/.test(new URL(here).pathname) ? here : new URL('./sim-evidence.js', here).href;
}

/**
 * For `runBacktest({ evidence })`: the simulator's table for simulator output (its addresses, or its
 * `number` truth), and its carrier when lines carry that truth.
 */
export function simulationEvidence(options: SimulationEvidenceOptions = {}): EvidenceSource {
  return {
    url: moduleUrl(),
    options: { ...options },
    names: { geo: simulationGeo().name, numberIntel: `simulated carrier (${options.signal ?? 'per-number signal'})` },
    appliesTo: (first) => ({
      geo: first.number !== undefined || (first.label !== undefined && isSimulationIp(first.ip)),
      numberIntel: first.number !== undefined,
    }),
  };
}
