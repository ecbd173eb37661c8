import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/util/bounded-cache.js';

describe('BoundedCache', () => {
  it('never holds more than its bound', () => {
    const cache = new BoundedCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.get(9_999)).toBe(9_999);
    expect(cache.get(0)).toBeUndefined();
  });

  it('keeps entries that are read while newer ones arrive', () => {
    const cache = new BoundedCache<string, number>(10);
    cache.set('hot', 1);
    for (let i = 0; i < 100; i++) {
      cache.set(`cold-${i}`, i);
      expect(cache.get('hot')).toBe(1);
    }
  });

  it('updates, deletes and clears', () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.get('a')).toBe(2);
    expect(cache.delete('a')).toBe(true);
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 1);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
