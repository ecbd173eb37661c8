/**
 * The evaluation's carrier: a real `NumberIntelProvider` that answers from the ground truth an
 * event carries about its number (`event.number`), honouring what that number's carrier can say:
 *
 * - `exact`: CAMARA Number Recycling v0.2 semantics: "did the subscriber change
 *   after `specifiedDate`?", compared by UTC date (a date equal to the new subscriber's start is
 *   `false`, a date inside the aging gap is `true`), with the reissue date and, like CAMARA SIM Swap,
 *   the latest SIM change within the look-back window (maxAge <= 2400 h). The answer comes from one
 *   operator, so a port-out can be reported as a new subscriber (`portMisreportRate`, [A]).
 * - `coarse`: the FCC Reassigned Numbers Database shape (FCC Second Report and Order, CG Docket 17-59): yes / no / no data to "permanently
 *   disconnected on or after D?", no dates, no SIM data, disconnections visible only from the monthly
 *   report (the 15th of the next month), and "no data" for US dates before 27 Jan 2021.
 * - `missing`: unavailable (the operator offers nothing for this number).
 *
 * The backtest hands it the current event before each assess (`use`, or `observe` in a replay);
 * answers use only facts dated at or before the guard's clock, so nothing leaks from the future.
 */
import type { ReplayNumberIntel } from '../backtest/evidence.js';
import type { NumberIntelAnswer, NumberIntelRequest } from '../types/index.js';
import { DAY_MS, type EvidenceSignal } from './config.js';
import type { NumberTruth } from './events.js';
import { hash32 } from './random.js';

export interface SimCarrierOptions {
  /** The guard's clock (event time in a backtest). */
  clock: () => number;
  /** Answer every number as if its carrier offered this (ablations). */
  signal?: EvidenceSignal;
  /** P17 sweeps: draw each number's signal from these shares (by a hash of the number) instead of the event's. */
  shares?: { exact: number; coarse: number; missing: number };
  portMisreportRate?: number;
  simLookbackDays?: number;
}

export interface SimCarrier extends ReplayNumberIntel {
  /** The number truth of the event about to be assessed. */
  use(phone: string, truth: NumberTruth | undefined): void;
  /** In a replay: the event about to be decided, whose `number` is the truth. */
  observe(event: { number?: unknown }, phone: string): void;
}

const RND_DATA_START = Date.UTC(2021, 0, 27);
const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

/** FCC RND: carriers report the month's permanent disconnections by the 15th of the next month. */
function rndVisibleFrom(disconnectedAt: number): number {
  const d = new Date(disconnectedAt);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 15);
}

/** A number's signal under given shares: a fixed hash bucket, so the same number keeps its carrier. */
export function signalByShares(phone: string, shares: { exact: number; coarse: number; missing: number }): EvidenceSignal {
  const total = shares.exact + shares.coarse + shares.missing;
  const u = (hash32(`p17|${phone}`) % 100_000) / 100_000;
  if (u < shares.exact / total) return 'exact';
  if (u < (shares.exact + shares.coarse) / total) return 'coarse';
  return 'missing';
}

export function simCarrier(options: SimCarrierOptions): SimCarrier {
  const portMisreportRate = options.portMisreportRate ?? 0.1;
  const lookbackMs = (options.simLookbackDays ?? 100) * DAY_MS;
  let current: { phone: string; truth: NumberTruth | undefined } | undefined;
  const parse = (value: string | null | undefined) => (value ? Date.parse(value) : undefined);

  return {
    name: 'sim-carrier',
    use(phone, truth) {
      current = { phone, truth };
    },
    observe(event, phone) {
      current = { phone, truth: event.number as NumberTruth | undefined };
    },
    async check(request: NumberIntelRequest): Promise<NumberIntelAnswer> {
      return this.answer(request);
    },
    answer(request: Pick<NumberIntelRequest, 'phone' | 'since'>): NumberIntelAnswer {
      const truth = current && current.phone === request.phone ? current.truth : undefined;
      const signal = options.signal ?? (options.shares ? signalByShares(request.phone, options.shares) : (truth?.signal ?? 'missing'));
      if (!truth || signal === 'missing') {
        return { source: 'sim-carrier', unavailable: 'SERVICE_NOT_APPLICABLE: no carrier evidence for this number (simulated)' };
      }
      const now = options.clock();
      const since = request.since.getTime();
      const disconnectedAt = parse(truth.disconnectedAt);
      const reissuedAt = parse(truth.reissuedAt);
      const disconnected = disconnectedAt !== undefined && disconnectedAt <= now ? disconnectedAt : undefined;

      if (signal === 'coarse') {
        const source = 'sim-reassigned-db';
        if (request.phone.startsWith('+1') && since < RND_DATA_START) return { source, unavailable: 'NO_DATA: the database has no records before 2021-01-27' };
        const visible = disconnected !== undefined && rndVisibleFrom(disconnected) <= now;
        return { source, changedSince: visible && dayOf(disconnected!) >= dayOf(since) };
      }

      const source = 'sim-number-recycling';
      const answer: NumberIntelAnswer = { source, changedSince: false };
      const reissued = reissuedAt !== undefined && reissuedAt <= now ? reissuedAt : undefined;
      if (reissued !== undefined && dayOf(reissued) > dayOf(since)) {
        answer.changedSince = true;
        answer.reissuedAt = new Date(reissued).toISOString();
      } else if (disconnected !== undefined && reissued === undefined && dayOf(disconnected) >= dayOf(since)) {
        answer.changedSince = true; // disconnected, not yet reissued: the owner's subscription ended
      }
      const sims = truth.simChanges.map((sim) => ({ at: Date.parse(sim.at), kind: sim.kind })).filter((sim) => sim.at <= now);
      const port = sims.filter((sim) => sim.kind === 'port' && sim.at > since).pop();
      // One operator's view: a number ported in looks like a new subscription there.
      if (!answer.changedSince && port && (hash32(`${request.phone}|${port.at}`) % 1000) / 1000 < portMisreportRate) {
        answer.changedSince = true;
        answer.reissuedAt = new Date(port.at).toISOString();
      }
      const latest = sims.length > 0 ? sims.reduce((a, b) => (b.at > a.at ? b : a)) : undefined;
      if (latest && now - latest.at <= lookbackMs) answer.lastSimChange = new Date(latest.at).toISOString();
      return answer;
    },
  };
}

/** The carrier for `createReplayer({ numberIntel })`: built on the replay's clock. */
export function simReplayIntel(options: Omit<SimCarrierOptions, 'clock'> = {}): (clock: () => number) => SimCarrier {
  return (clock) => simCarrier({ ...options, clock });
}
