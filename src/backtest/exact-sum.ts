/**
 * An exactly rounded floating-point sum (Shewchuk's non-overlapping partials, the algorithm of
 * Python's `math.fsum`). The result does not depend on the order of the terms, so a backtest split
 * into shards sums a group's risks to the same double as the single-threaded run: plain `+=` would
 * differ in the last bits once the terms are added in another order.
 */
export class ExactSum {
  /** Non-overlapping partials, smallest magnitude first; their exact sum is the running total. */
  private partials: number[] = [];

  add(value: number): void {
    let x = value;
    let kept = 0;
    for (let i = 0; i < this.partials.length; i++) {
      let y = this.partials[i]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) this.partials[kept++] = lo;
      x = hi;
    }
    this.partials.length = kept;
    this.partials.push(x);
  }

  merge(other: ExactSum): void {
    for (const partial of other.partials) this.add(partial);
  }

  /** The exact sum rounded once, to nearest even. */
  value(): number {
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even across the remaining partials (the correction `math.fsum` makes).
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  toJSON(): number[] {
    return [...this.partials];
  }

  static fromJSON(partials: readonly number[]): ExactSum {
    const sum = new ExactSum();
    for (const partial of partials) sum.add(partial);
    return sum;
  }
}
