import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simulateText } from './helpers.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('simulate: determinism', () => {
  it('the same seed gives identical bytes, whatever the chunk size', async () => {
    const a = await simulateText({ profile: 'us', accounts: 240, seed: 7 });
    const b = await simulateText({ profile: 'us', accounts: 240, seed: 7 });
    // 240 accounts in chunks of 50 go through temporary files and the merge.
    const c = await simulateText({ profile: 'us', accounts: 240, seed: 7, chunkAccounts: 50 });
    expect(a.length).toBeGreaterThan(10_000);
    expect(sha(b)).toBe(sha(a));
    expect(sha(c)).toBe(sha(a));
  });

  it('a different seed or profile gives a different stream', async () => {
    const a = await simulateText({ profile: 'us', accounts: 120, seed: 1 });
    const b = await simulateText({ profile: 'us', accounts: 120, seed: 2 });
    const c = await simulateText({ profile: 'cn', accounts: 120, seed: 1 });
    expect(sha(b)).not.toBe(sha(a));
    expect(sha(c)).not.toBe(sha(a));
    // Not just shuffled: the phone numbers themselves differ between seeds.
    const phones = (text: string) =>
      new Set(
        text
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { phone: string }).phone),
      );
    const other = phones(b);
    const shared = [...phones(a)].filter((phone) => other.has(phone));
    expect(shared.length).toBeLessThan(5);
  });

  it('never reads the wall clock or Math.random', async () => {
    const realNow = Date.now;
    const realRandom = Math.random;
    Date.now = () => {
      throw new Error('Date.now used by the simulator');
    };
    Math.random = () => {
      throw new Error('Math.random used by the simulator');
    };
    try {
      const text = await simulateText({ profile: 'cn', accounts: 60, seed: 3, chunkAccounts: 25 });
      expect(text.split('\n').length).toBeGreaterThan(100);
    } finally {
      Date.now = realNow;
      Math.random = realRandom;
    }
  });
});
