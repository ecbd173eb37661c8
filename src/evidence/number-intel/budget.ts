/**
 * The time left for a provider call, attached to the AbortSignal the provider receives.
 *
 * `NumberIntelRequest` carries only a signal; an adapter deciding whether a retry (or a 429's
 * Retry-After wait) still fits needs the remaining time too. The runner registers it here, keyed by
 * the signal it hands out, so adapters can ask without a change to the public request type.
 * A signal the host made itself has no entry: adapters then fall back to their own timeout.
 */
const budgets = new WeakMap<AbortSignal, () => number>();

export function attachBudget(signal: AbortSignal, remainingMs: () => number): void {
  budgets.set(signal, remainingMs);
}

/** Milliseconds left for work under `signal`, or undefined when nobody registered a budget. */
export function remainingBudget(signal: AbortSignal): number | undefined {
  if (signal.aborted) return 0;
  const remaining = budgets.get(signal);
  return remaining ? Math.max(0, remaining()) : undefined;
}
