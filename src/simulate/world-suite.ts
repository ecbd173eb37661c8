/**
 * The world suite: one world (a draw of parameters, or the tuned defaults) simulated and replayed
 * through every guard variant in lockstep, with the guard-independent measurements (unavoidable
 * friction, natural takeover weight) taken from the same events. `bench/evaluate-worlds.ts` runs
 * it over many draws and prints the tables of docs/evaluation.md.
 */
import { createReplayer, type ReplayOptions } from '../backtest/replay.js';
import type { Thresholds } from '../core/policy.js';
import type { PresetName, StepUpCheck } from '../types/index.js';
import type { AttackerStrategy } from './config.js';
import { simulateEvents, simulationConfig } from './generator.js';
import { simReplayIntel } from './carrier.js';
import { simulationGeo } from './locations.js';
import { UnavoidableFriction, VariantCounter, type VariantTally, type WorldDraw } from './worlds.js';

export interface WorldVariant {
  id: string;
  title: string;
  preset: PresetName;
  /** Carrier coverage: `none`, or the share of numbers whose operator answers with exact records (the rest: nothing). */
  coverage: 'none' | 0.6 | 1;
  thresholds?: Partial<Thresholds>;
  /** The step-up checks the simulated host runs (default: a password only). */
  checks?: StepUpCheck[];
}

/** A cloud drive that can also match the owner's ID document (as account recovery does at the large drives). */
const DRIVE_WITH_ID: StepUpCheck[] = ['password', 'id_match'];
/** A regulated lender: it verified the customer's identity at onboarding, so it can match ID and face. */
const LENDER_WITH_KYC: StepUpCheck[] = ['password', 'id_match', 'face'];

export const WORLD_VARIANTS: WorldVariant[] = [
  { id: 'cloud-drive/none', title: 'cloud-drive, no carrier evidence', preset: 'cloud-drive', coverage: 'none' },
  { id: 'cloud-drive/60%', title: 'cloud-drive, exact carrier records for 60% of numbers, none for the rest', preset: 'cloud-drive', coverage: 0.6 },
  { id: 'cloud-drive/100%', title: 'cloud-drive, exact carrier records for every number', preset: 'cloud-drive', coverage: 1 },
  {
    id: 'cloud-drive+id/none',
    title: 'cloud-drive, host checks password and ID match, no carrier evidence',
    preset: 'cloud-drive',
    coverage: 'none',
    checks: DRIVE_WITH_ID,
  },
  {
    id: 'cloud-drive+id/100%',
    title: 'cloud-drive, host checks password and ID match, exact carrier records for every number',
    preset: 'cloud-drive',
    coverage: 1,
    checks: DRIVE_WITH_ID,
  },
  { id: 'social/none', title: 'social, no carrier evidence', preset: 'social', coverage: 'none' },
  { id: 'fintech/none', title: 'fintech, host checks a password only, no carrier evidence', preset: 'fintech', coverage: 'none' },
  {
    id: 'fintech+kyc/none',
    title: 'fintech, host checks password, ID match and face (KYC), no carrier evidence',
    preset: 'fintech',
    coverage: 'none',
    checks: LENDER_WITH_KYC,
  },
];

/** Step-up lines swept for the catch-vs-friction curve, per preset, without carrier evidence. */
export const CURVE_THRESHOLDS: Record<'cloud-drive' | 'social' | 'fintech', number[]> = {
  'cloud-drive': [0.001, 0.002, 0.008, 0.02],
  social: [0.005, 0.01, 0.05],
  fintech: [0.001, 0.002, 0.01],
};

export function curveVariants(): WorldVariant[] {
  return (Object.entries(CURVE_THRESHOLDS) as [PresetName, number[]][]).flatMap(([preset, lines]) =>
    // fintech on the host its operating point assumes (KYC checks); the others on a password-only host.
    lines.map((stepUp) => ({
      id: `${preset}/none@${stepUp}`,
      title: `${preset}, no carrier evidence, step-up at ${stepUp}`,
      preset,
      coverage: 'none' as const,
      thresholds: { stepUp },
      ...(preset === 'fintech' ? { checks: LENDER_WITH_KYC } : {}),
    })),
  );
}

export interface WorldResult {
  draw: WorldDraw;
  accounts: number;
  events: number;
  scored: number;
  scoredDays: number;
  /** Recycled-number takeover accounts whose first attempt was scored, and their scored attempts. */
  takeoverAccounts: number;
  takeoverAttempts: number;
  legitLogins: number;
  /** P12 x P13 x P15 of the world: first takeover logins per account-year at the natural rate. */
  naturalPerAccountYear: number;
  /** Weight that brings the takeover logins to their natural share of all logins (reliability). */
  naturalWeight: number;
  unavoidable: { owners: number; unavoidable: number; logins: number; unavoidableLogins: number };
  tallies: VariantTally[];
  seconds: number;
}

export interface RunWorldOptions {
  draw: WorldDraw;
  accounts: number;
  variants: WorldVariant[];
  tmpDir?: string;
  onProgress?: (events: number) => void;
}

function replayOptions(variant: WorldVariant, accounts: number): ReplayOptions {
  return {
    preset: variant.preset,
    geo: simulationGeo(),
    ...(variant.coverage === 'none' ? {} : { numberIntel: simReplayIntel({ shares: { exact: variant.coverage, coarse: 0, missing: 1 - variant.coverage } }) }),
    ...(variant.thresholds ? { thresholds: variant.thresholds } : {}),
    ...(variant.checks ? { checks: variant.checks } : {}),
    maxAccounts: Math.max(1000, accounts * 2),
  };
}

export async function runWorld(options: RunWorldOptions): Promise<WorldResult> {
  const started = performance.now();
  const { draw, accounts } = options;
  const config = simulationConfig({ profile: draw.profile, accounts, seed: draw.seed, overrides: draw.overrides });
  const runners = options.variants.map((variant) => ({ counter: new VariantCounter(variant.id), replayer: createReplayer(replayOptions(variant, accounts)) }));
  const friction = new UnavoidableFriction();
  const seenTakeover = new Set<string>();
  const scoredTakeover = new Set<string>();
  const strategyOf = new Map<string, AttackerStrategy>();
  let events = 0;
  let scored = 0;
  let takeoverAttempts = 0;
  let legitLogins = 0;
  const stream = simulateEvents({
    profile: draw.profile,
    accounts,
    seed: draw.seed,
    overrides: draw.overrides,
    ...(options.tmpDir ? { tmpDir: options.tmpDir } : {}),
  });
  for await (const event of stream) {
    events++;
    const recycled = event.label.isTakeover && event.label.scenario !== 'A4';
    let first = false;
    if (recycled && !seenTakeover.has(event.accountId)) {
      seenTakeover.add(event.accountId);
      first = true;
      if (!event.warmup) {
        scoredTakeover.add(event.accountId);
        strategyOf.set(event.accountId, event.label.strategy ?? 'plain');
      }
    }
    friction.observe(event);
    const isScored = !event.warmup;
    if (isScored) {
      scored++;
      if (recycled) takeoverAttempts++;
      else if (!event.label.isTakeover) legitLogins++;
    }
    for (const { counter, replayer } of runners) {
      const decided = replayer.assess(event);
      const decision = decided instanceof Promise ? await decided : decided;
      if (isScored) counter.record(event, first, decision.wouldBe, decision.risk, decision.stepUp?.anyOf);
    }
    if (options.onProgress && events % 10_000 === 0) options.onProgress(events);
  }
  // Owner-level figures leave out every account a new holder reached: its owner's story stops at
  // the drop, so "ever" would be measured over a shorter life.
  const tallies = runners.map(({ counter }) => counter.finish(strategyOf, seenTakeover));
  const unavoidable = friction.share(seenTakeover);
  const scoredDays = config.horizonDays - config.warmupDays;
  const naturalPerAccountYear = config.numberDropPerYear * config.staleBindingRate * config.newHolderLoginRate;
  const attemptsPerAccount = scoredTakeover.size > 0 ? takeoverAttempts / scoredTakeover.size : 1;
  const legitPerAccountYear = legitLogins / accounts / (scoredDays / 365.25);
  const naturalShare = (naturalPerAccountYear * attemptsPerAccount) / (naturalPerAccountYear * attemptsPerAccount + legitPerAccountYear);
  const naturalWeight = takeoverAttempts > 0 ? (naturalShare / (1 - naturalShare)) * (legitLogins / takeoverAttempts) : 0;
  return {
    draw,
    accounts,
    events,
    scored,
    scoredDays,
    takeoverAccounts: scoredTakeover.size,
    takeoverAttempts,
    legitLogins,
    naturalPerAccountYear,
    naturalWeight,
    unavoidable: { ...unavoidable, logins: friction.logins, unavoidableLogins: friction.unavoidableLogins },
    tallies,
    seconds: (performance.now() - started) / 1000,
  };
}
