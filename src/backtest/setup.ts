/**
 * What builds a shard's replayer, as plain data (worker threads build their own from it), and the
 * replayer it describes. Its own module, so run.ts and the worker both import it and not each other.
 */
import type { Weights } from '../core/weights.js';
import type { PresetName } from '../types/index.js';
import { type EvidenceModule, type EvidenceSource, loadEvidence } from './evidence.js';
import { createReplayer, type Replayer } from './replay.js';

/** What builds a replayer, as plain data: worker threads build their own from it. */
export interface ReplaySetup {
  preset: PresetName;
  geo: 'evidence' | 'default' | 'none';
  intel: 'evidence' | 'none';
  /** The caller's evidence module, when geo or intel come from it, and its names for summary.json. */
  evidence?: EvidenceModule & { names: EvidenceSource['names'] };
  weights?: Partial<Weights>;
  stripDevice?: boolean;
  stripToken?: boolean;
  replayOutcomes: boolean;
  hashKey: string;
}

/** The replayer a setup describes; loads the caller's evidence module in this thread. */
export async function replayerFor(setup: ReplaySetup): Promise<Replayer> {
  const evidence = setup.evidence ? await loadEvidence(setup.evidence) : {};
  return createReplayer({
    preset: setup.preset,
    geo: setup.geo === 'none' ? false : setup.geo === 'evidence' ? evidence.geo : undefined,
    ...(setup.intel === 'evidence' && evidence.numberIntel ? { numberIntel: evidence.numberIntel } : {}),
    ...(setup.weights ? { weights: setup.weights } : {}),
    ...(setup.stripDevice ? { stripDevice: true } : {}),
    ...(setup.stripToken ? { stripToken: true } : {}),
    replayOutcomes: setup.replayOutcomes,
    hashKey: setup.hashKey,
  });
}
