/**
 * Evidence a replay takes from its caller instead of the guard's defaults: a geolocation table and
 * a carrier that answers from the input's own columns (the simulator's ground truth, or a host's
 * export of the answers its carrier gave). The backtest knows nothing of where they come from.
 *
 * Worker threads build their replayers themselves and cannot receive functions, so a caller names
 * a module (`url`) whose `replayEvidence(options)` export builds the evidence, with plain `options`;
 * every thread that decides loads it.
 */
import { GuardConfigError } from '../errors/guard-config-error.js';
import type { GeoLookup } from '../types/index.js';
import type { ReplayEvent, ReplayNumberIntel } from './replay.js';

export type { ReplayNumberIntel };

/** What a module's `replayEvidence(options)` returns. */
export interface ReplayEvidence {
  /** Replaces the guard's default geolocation (geoip-lite). */
  geo?: GeoLookup;
  /** Builds the carrier on the replay's clock (the event time). */
  numberIntel?: (clock: () => number) => ReplayNumberIntel;
}

/** Plain data, sent to worker threads: the module to load and what to pass it. */
export interface EvidenceModule {
  /** A file URL (or any specifier `import()` resolves) of a module exporting `replayEvidence`. */
  url: string;
  options?: Record<string, unknown>;
}

/** A caller's evidence for `runBacktest`: the module, and which of its parts fit an input. */
export interface EvidenceSource extends EvidenceModule {
  /** Names shown in summary.json's settings. */
  names: { geo: string; numberIntel: string };
  /** Which parts apply to an input whose first event is this (`geo: 'auto'`, `intel: 'auto'`). */
  appliesTo(first: ReplayEvent): { geo: boolean; numberIntel: boolean };
}

type EvidenceExport = { replayEvidence?: (options: Record<string, unknown>) => ReplayEvidence };

export async function loadEvidence(module: EvidenceModule): Promise<ReplayEvidence> {
  const loaded = (await import(module.url)) as EvidenceExport;
  if (typeof loaded.replayEvidence !== 'function') throw new GuardConfigError('evidence.url', `${module.url} has no replayEvidence(options) export`);
  return loaded.replayEvidence(module.options ?? {});
}
