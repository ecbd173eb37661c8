import { formatMs } from './failure.js';

export interface BreakerOptions {
  /** Consecutive failed checks that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit answers "circuit open" at once before one probe is let through. */
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, cooldownMs: 30_000 };

export type BreakerState = 'closed' | 'open' | 'half_open';

export type Admission = { ok: true; probe: boolean } | { ok: false; why: string };

/**
 * One provider's circuit breaker. Open: every check answers "circuit open" immediately, so a dead
 * provider costs a login nothing instead of its whole budget. After the cool-down one probe goes
 * through (half-open); its success closes the circuit, its failure opens it for another cool-down.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  state: BreakerState = 'closed';

  constructor(
    private readonly options: BreakerOptions,
    /** Monotonic milliseconds; the guard's clock may be a frozen test clock. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  admit(): Admission {
    if (this.state === 'closed') return { ok: true, probe: false };
    const waited = this.now() - this.openedAt;
    if (this.state === 'open' && waited >= this.options.cooldownMs) {
      this.state = 'half_open';
      this.probing = false;
    }
    if (this.state === 'half_open' && !this.probing) {
      this.probing = true;
      return { ok: true, probe: true };
    }
    const next = this.state === 'open' ? `next probe in ${formatMs(this.options.cooldownMs - waited)}` : 'a probe is in flight';
    return { ok: false, why: `circuit open after ${this.options.failureThreshold} consecutive failures; ${next}` };
  }

  /** The admitted probe did not run (the check joined another flight or gave up waiting). */
  release(): void {
    if (this.state === 'half_open') this.probing = false;
  }

  /** Returns true when this success closed an open circuit. */
  success(): boolean {
    const reopened = this.state !== 'closed';
    this.failures = 0;
    this.state = 'closed';
    this.probing = false;
    return reopened;
  }

  /** Returns true when this failure opened the circuit. */
  failure(): boolean {
    this.failures += 1;
    if (this.state === 'half_open' || (this.state === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.state = 'open';
      this.openedAt = this.now();
      this.probing = false;
      return true;
    }
    return false;
  }
}
