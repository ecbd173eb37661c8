/**
 * A bounded cache with near-LRU eviction in O(1): two generations of Maps. New and recently read
 * entries live in `young`; when it fills, it becomes `old` and the previous `old` is dropped whole.
 *
 * Why not one Map with "delete the first key": V8 leaves deleted entries as tombstones at the front
 * of a Map, so finding the first live key after many evictions scans them all, turning eviction
 * into O(n) under churn (measured: assess slowed several-fold once a 100k cache was full).
 */
export class BoundedCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly generation: number;

  /** Holds at most `max` entries. */
  constructor(max: number) {
    this.generation = Math.max(1, Math.floor(max / 2));
  }

  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      // Promote, so entries in use survive the next generation change.
      this.old.delete(key);
      this.insert(key, aged);
    }
    return aged;
  }

  set(key: K, value: V): void {
    if (this.young.has(key)) this.young.set(key, value);
    else {
      this.old.delete(key);
      this.insert(key, value);
    }
  }

  delete(key: K): boolean {
    const a = this.young.delete(key);
    const b = this.old.delete(key);
    return a || b;
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  private insert(key: K, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
