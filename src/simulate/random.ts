/**
 * Seeded randomness for the simulator. Every account draws from its own stream, derived from
 * (seed, profile, account index), so an account's story does not depend on how many accounts
 * come before it or on how the generator chunks its work: output is byte-identical for a seed.
 */

/** 32-bit FNV-1a over a string: stable, fast, good enough to spread seeds. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 finaliser: turns correlated inputs (seed, seed + 1, ...) into unrelated seeds. */
export function mix32(value: number): number {
  let z = (value + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = mix32(seed >>> 0);
  }

  /** A stream for one named purpose, independent of how much this one has been used. */
  static derive(seed: number, ...labels: (string | number)[]): Rng {
    let h = mix32(seed >>> 0);
    for (const label of labels) h = mix32(h ^ hash32(String(label)));
    return new Rng(h);
  }

  /** mulberry32, the same generator as src/util/prng.ts, kept inline for the hot loop. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Exponential with the given mean (inverse CDF; 1 - u keeps log away from 0). */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Geometric count of extra trials, mean `mean` (>= 0). */
  geometric(mean: number): number {
    if (mean <= 0) return 0;
    const p = 1 / (1 + mean);
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Index drawn in proportion to `weights`. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  weighted<T extends { weight: number }>(items: readonly T[]): T {
    return items[this.weightedIndex(items.map((item) => item.weight))]!;
  }
}
