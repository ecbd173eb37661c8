/**
 * Time the event loop spent blocked in a known synchronous load (geoip-lite reads ~150 MB at
 * require time). Time budgets that were running during such a load do not count it: the load is
 * the library's own doing, not the store's or the carrier's, and no timer can fire while it runs.
 */
let stalled = 0;

/** Add a stall of `ms` milliseconds, measured around the blocking call. */
export function recordStall(ms: number): void {
  if (ms > 0) stalled += ms;
}

/** Milliseconds of recorded stalls since the process started; deadlines take differences. */
export function stalledMs(): number {
  return stalled;
}
