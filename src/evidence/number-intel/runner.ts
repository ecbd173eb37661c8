import { DeadlineExceededError, raceSignal, startDeadline, type Deadline } from '../../util/deadline.js';
import type { NumberIntelAnswer, NumberIntelProvider, NumberIntelRequest, SignalStatus } from '../../types/index.js';
import type { ProviderCall } from '../../types/index.js';
import { isConclusive, validateAnswer } from './answer.js';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions, type BreakerState } from './breaker.js';
import { attachBudget } from './budget.js';
import { cleanText, isProviderFailure, outcomeLabel, unavailableAnswer, unavailableCode } from './failure.js';

export interface GatheredIntel {
  status: SignalStatus | 'cached';
  answers: NumberIntelAnswer[];
  /** Set when the answers came from providers now and are worth caching. */
  fresh: boolean;
  /**
   * Some answer came from a provider that answers per account (KYC Match): the answers hold facts
   * about this account's holder and may be reused for this account only.
   */
  accountScoped: boolean;
}

/**
 * A provider whose answer depends on the account, not only on the number and date (KYC Match
 * compares the number's subscriber with the account holder): single-flight then keys on the
 * account too.
 */
export interface AccountScopedProvider extends NumberIntelProvider {
  readonly answersPerAccount: true;
}

/**
 * A provider that answers synchronously from process memory (the simulator's carrier in a
 * backtest): no time budget, breaker or single-flight is needed, so none is paid for.
 */
export interface InProcessIntel {
  readonly name: string;
  readonly answersPerAccount?: boolean;
  answer(request: Pick<NumberIntelRequest, 'phone' | 'since' | 'accountId'>): NumberIntelAnswer;
}

export interface BreakerEvent {
  provider: string;
  state: BreakerState;
  /** The failure that opened the circuit. */
  why?: string;
}

export interface IntelRunnerOptions {
  breaker?: Partial<BreakerOptions>;
  /** Monotonic milliseconds for breaker cool-downs (tests pass their own). */
  now?: () => number;
  /** Circuit opened or closed again: for logs and alerts. */
  onBreaker?: (event: BreakerEvent) => void;
  /** Every provider call as it ends, and every call the breaker refused: for metrics. */
  onCall?: (call: ProviderCall) => void;
}

/**
 * How much time the providers get.
 * - `deadline`: the login path. One budget for the whole chain; a provider asked late gets what is left.
 * - `perCallMs`: sweeps and recipient checks. Each provider call gets its own budget, started after
 *   `acquire` (a rate limiter) lets it go; `signal` stops everything.
 */
export type IntelBudget =
  | { deadline: Deadline }
  | {
      perCallMs: number;
      signal?: AbortSignal;
      acquire?: (provider: NumberIntelProvider, signal: AbortSignal | undefined) => Promise<void>;
    };

export interface IntelRequest {
  /** E.164. */
  phone: string;
  /** Epoch ms. */
  since: number;
  accountId: string;
}

interface Flight {
  promise: Promise<NumberIntelAnswer>;
  controller: AbortController;
  /** Time left of every check waiting on this flight; the flight may use the longest. */
  waiters: Set<() => number>;
  settled: boolean;
}

interface Entry {
  provider: NumberIntelProvider;
  breaker: CircuitBreaker;
  flights: Map<string, Flight>;
  perAccount: boolean;
}

/**
 * A timeout after less than this is the budget's fault (spent on the store, an earlier provider),
 * not the provider's: it does not count towards opening the circuit.
 */
const MIN_FAIR_MS = 50;

/**
 * Asks providers in the configured order until one answers whether the number changed hands.
 * Per provider: a circuit breaker, and single-flight (concurrent checks of the same number and date
 * share one request). Never throws: every failure becomes an unavailable answer naming its cause.
 */
export class IntelRunner {
  private readonly entries: Entry[];
  private readonly now: () => number;

  constructor(
    providers: readonly NumberIntelProvider[],
    private readonly options: IntelRunnerOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    const breaker = { ...DEFAULT_BREAKER, ...options.breaker };
    this.entries = providers.map((provider) => ({
      provider,
      breaker: new CircuitBreaker(breaker, this.now),
      flights: new Map(),
      perAccount: (provider as Partial<AccountScopedProvider>).answersPerAccount === true,
    }));
  }

  /** How many providers are configured (none: carrier evidence is `not_configured`). */
  get size(): number {
    return this.entries.length;
  }

  get providers(): NumberIntelProvider[] {
    return this.entries.map((entry) => entry.provider);
  }

  /** Circuit state per provider name, for health endpoints and tests. */
  breakerStates(): Record<string, BreakerState> {
    return Object.fromEntries(this.entries.map((entry) => [entry.provider.name, entry.breaker.state]));
  }

  async gather(request: IntelRequest, budget: IntelBudget): Promise<GatheredIntel> {
    if (this.entries.length === 0) return { status: 'not_configured', answers: [], fresh: false, accountScoped: false };
    const answers: NumberIntelAnswer[] = [];
    let accountScoped = false;
    for (const entry of this.entries) {
      const answer = await this.ask(entry, request, budget);
      answers.push(answer);
      if (entry.perAccount && !answer.unavailable) accountScoped = true;
      if (isConclusive(answer)) break;
    }
    return gathered(answers, accountScoped);
  }

  private async ask(entry: Entry, request: IntelRequest, budget: IntelBudget): Promise<NumberIntelAnswer> {
    const name = entry.provider.name;
    if ('deadline' in budget ? budget.deadline.remaining() <= 0 : budget.signal?.aborted) {
      return unavailableAnswer(name, 'timeout', 'the time budget was spent before this provider was asked');
    }
    const key = entry.perAccount ? `${request.phone}|${request.since}|${request.accountId}` : `${request.phone}|${request.since}`;
    let flight = entry.flights.get(key);
    let probe = false;
    if (!flight) {
      const admission = entry.breaker.admit();
      if (!admission.ok) {
        const refused = unavailableAnswer(name, 'circuit_open', admission.why);
        this.observe(name, refused, 0);
        return refused;
      }
      probe = admission.probe;
      if ('perCallMs' in budget && budget.acquire) {
        try {
          await budget.acquire(entry.provider, budget.signal);
        } catch {
          if (probe) entry.breaker.release();
          return unavailableAnswer(name, 'timeout', 'stopped while waiting for the rate limit');
        }
        flight = entry.flights.get(key);
        if (flight && probe) entry.breaker.release();
      }
    }

    let call: { signal: AbortSignal; remaining: () => number; done: () => void };
    if ('deadline' in budget) {
      const { deadline } = budget;
      call = { signal: deadline.signal, remaining: () => deadline.remaining(), done: () => {} };
    } else {
      const deadline = startDeadline(budget.perCallMs);
      const signal = budget.signal ? AbortSignal.any([deadline.signal, budget.signal]) : deadline.signal;
      call = { signal, remaining: () => (budget.signal?.aborted ? 0 : deadline.remaining()), done: () => deadline.done() };
    }
    try {
      if (call.signal.aborted) {
        if (!flight && probe) entry.breaker.release();
        return unavailableAnswer(name, 'timeout', 'the time budget was spent before this provider was asked');
      }
      flight ??= this.start(entry, request, key);
      // Registered before any await: the provider reads the flight's budget when it starts.
      flight.waiters.add(call.remaining);
      try {
        return await raceSignal(flight.promise, call.signal, name);
      } catch (error) {
        return unavailableAnswer(name, 'timeout', error instanceof Error ? error.message : String(error));
      } finally {
        flight.waiters.delete(call.remaining);
        // Nobody waits any more: stop the request instead of letting it run on.
        if (flight.waiters.size === 0 && !flight.settled) flight.controller.abort(new DeadlineExceededError(name));
      }
    } finally {
      call.done();
    }
  }

  private start(entry: Entry, request: IntelRequest, key: string): Flight {
    const { provider } = entry;
    const controller = new AbortController();
    const flight: Flight = { promise: Promise.resolve({ source: provider.name }), controller, waiters: new Set(), settled: false };
    attachBudget(controller.signal, () => {
      let longest = 0;
      for (const remaining of flight.waiters) longest = Math.max(longest, remaining());
      return longest;
    });
    entry.flights.set(key, flight);
    const startedAt = this.now();
    flight.promise = (async () => {
      let answer: NumberIntelAnswer;
      try {
        const raw = await raceSignal(
          Promise.resolve().then(() =>
            provider.check({ phone: request.phone, since: new Date(request.since), signal: controller.signal, accountId: request.accountId }),
          ),
          controller.signal,
          provider.name,
        );
        answer = validateAnswer(raw, provider.name);
      } catch (error) {
        const timedOut = error instanceof DeadlineExceededError || controller.signal.aborted;
        answer = unavailableAnswer(provider.name, timedOut ? 'timeout' : 'error', error instanceof Error ? error.message : String(error));
      } finally {
        flight.settled = true;
        entry.flights.delete(key);
      }
      const ranMs = this.now() - startedAt;
      this.record(entry, answer, ranMs);
      this.observe(provider.name, answer, ranMs);
      return answer;
    })();
    return flight;
  }

  private record(entry: Entry, answer: NumberIntelAnswer, ranMs: number): void {
    const name = entry.provider.name;
    if (isProviderFailure(answer)) {
      if (unavailableCode(answer.unavailable!) === 'timeout' && ranMs < MIN_FAIR_MS) {
        entry.breaker.release();
        return;
      }
      if (entry.breaker.failure()) this.notify({ provider: name, state: 'open', why: cleanText(answer.unavailable!) });
    } else if (entry.breaker.success()) {
      this.notify({ provider: name, state: 'closed' });
    }
  }

  private observe(provider: string, answer: NumberIntelAnswer, latencyMs: number): void {
    if (!this.options.onCall) return;
    try {
      this.options.onCall({ provider, outcome: outcomeLabel(answer), failed: isProviderFailure(answer), latencyMs });
    } catch {
      // A failing observer must not fail a login decision.
    }
  }

  private notify(event: BreakerEvent): void {
    try {
      this.options.onBreaker?.(event);
    } catch {
      // A failing logger must not fail a login decision.
    }
  }
}

function gathered(answers: NumberIntelAnswer[], accountScoped: boolean): GatheredIntel {
  const anyAnswer = answers.some((answer) => !answer.unavailable);
  return { status: anyAnswer ? 'ok' : 'unavailable', answers, fresh: anyAnswer, accountScoped };
}

/**
 * `IntelRunner.gather` for in-process providers: the same order, validation and result, with no
 * budget (they answer at once) and no breaker (they do not fail the way a network does).
 */
export function gatherInProcess(providers: readonly InProcessIntel[], request: IntelRequest): GatheredIntel {
  if (providers.length === 0) return { status: 'not_configured', answers: [], fresh: false, accountScoped: false };
  const answers: NumberIntelAnswer[] = [];
  let accountScoped = false;
  for (const provider of providers) {
    let answer: NumberIntelAnswer;
    try {
      answer = validateAnswer(provider.answer({ phone: request.phone, since: new Date(request.since), accountId: request.accountId }), provider.name);
    } catch (error) {
      answer = unavailableAnswer(provider.name, 'error', error instanceof Error ? error.message : String(error));
    }
    answers.push(answer);
    if (provider.answersPerAccount === true && !answer.unavailable) accountScoped = true;
    if (isConclusive(answer)) break;
  }
  return gathered(answers, accountScoped);
}

export function createIntelRunner(providers: readonly NumberIntelProvider[], options?: IntelRunnerOptions): IntelRunner {
  return new IntelRunner(providers, options);
}
