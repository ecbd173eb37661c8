/**
 * The simulator's event: one SMS login exactly as a host would pass it to `guard.assess`, plus the
 * ground truth the evaluation needs (never read by the guard). The same shape is what `backtest`
 * reads; for a host's own logs only the attempt fields are required and `label` is optional.
 */
import type { AttemptInput } from '../types/index.js';
import type { AttackerStrategy, EvidenceSignal, Scenario } from './config.js';

export type Actor = 'owner' | 'new_holder' | 'attacker';

export interface EventLabel {
  isTakeover: boolean;
  scenario: Scenario;
  actor: Actor;
  /**
   * Would this actor pass a knowledge check the guard asks for (password, previous password, email,
   * known address)? Replayed by the backtest. Also the answer for every check when
   * `passesIdentityCheck` is absent (logs that record one outcome per step-up).
   */
  passesStepUp?: boolean;
  /** Would this actor pass a check of the previous holder's identity (ID match, face, trusted device)? */
  passesIdentityCheck?: boolean;
  /** Takeovers: how the attacker went about it (config.ts `AttackerStrategy`). */
  strategy?: AttackerStrategy;
  /** The owner's login-frequency class (P3), for per-class friction. */
  frequency?: string;
}

export type SimChangeKind = 'new_subscription' | 'sim_replacement' | 'port' | 'swap';

/** Carrier truth about the bound number, as of the event's time (nothing from its future). */
export interface NumberTruth {
  /** Latest permanent disconnection of a previous holder (ISO), or null. */
  disconnectedAt: string | null;
  /** When the number was reissued after that disconnection (ISO), or null. */
  reissuedAt: string | null;
  /** What the evaluation's carrier provider can say about this number (P17). */
  signal: EvidenceSignal;
  /** SIM changes on the number (newest last, at most a few). */
  simChanges: { at: string; kind: SimChangeKind }[];
}

export interface SimEvent extends AttemptInput {
  at: string;
  phoneBoundAt: string;
  label: EventLabel;
  number: NumberTruth;
  /** Present and true for events inside the warm-up period: they build history, never scored. */
  warmup?: true;
}

/** The attempt part of an event: what a host would send (ground truth stripped). */
export { attemptOf, optionPassed } from '../backtest/replay.js';
