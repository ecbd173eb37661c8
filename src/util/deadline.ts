import { stalledMs } from './stall.js';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';

/**
 * The time budget of one assess. Creating an AbortController and a timer per call costs more than
 * the whole in-memory assessment, so both are created only when some work is still pending after
 * a couple of microtasks (an in-process store or a cached answer never creates them). Time the
 * event loop spent in the library's own synchronous loads (src/util/stall.ts) is not counted.
 */
export interface Deadline {
  /** Aborts when the budget runs out; created on first use. */
  readonly signal: AbortSignal;
  remaining(): number;
  /** Clears the timer, if one was started; call when the assess is done. */
  done(): void;
}

class LazyDeadline implements Deadline {
  private readonly startedAt = performance.now();
  private readonly stalledAtStart = stalledMs();
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly budgetMs: number) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      this.arm(this.controller);
    }
    return this.controller.signal;
  }

  /** Abort when the budget is spent; a timer that fires early because a stall was excused re-arms. */
  private arm(controller: AbortController): void {
    const left = this.remaining();
    // A timer fires to the millisecond, sometimes a fraction early: under 1 ms left is spent, as
    // before stalls were excused (re-arming for a fraction would leave the signal unfired while
    // callers already read the budget as gone).
    if (left < 1) {
      this.timer = undefined;
      controller.abort(new DeadlineExceededError('evidence'));
      return;
    }
    this.timer = setTimeout(() => this.arm(controller), left);
    // Never keep the host's process alive for our timer.
    this.timer.unref?.();
  }

  remaining(): number {
    const excused = stalledMs() - this.stalledAtStart;
    return Math.max(0, this.budgetMs - (performance.now() - this.startedAt - excused));
  }

  done(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

export function startDeadline(budgetMs: number): Deadline {
  return new LazyDeadline(budgetMs);
}

/**
 * Resolve with `work` or reject when the deadline passes, whichever comes first. Work that settles
 * within two microtasks (in-process stores) is returned without touching the timer. A late
 * rejection of `work` is swallowed so it can never become an unhandled rejection in the host.
 */
export async function withinDeadline<T>(pending: Promise<T> | T, deadline: Deadline, what: string): Promise<T> {
  // A custom store may return a plain value; Promise.resolve keeps a native promise as it is.
  const work = Promise.resolve(pending);
  let settled = false;
  work.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await null;
  await null;
  if (settled) return work;
  return raceSignal(work, deadline.signal, what);
}

/** Resolve with `work` or reject when `signal` aborts, whichever comes first. */
export function raceSignal<T>(work: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(new DeadlineExceededError(what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeadlineExceededError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export { DeadlineExceededError };
