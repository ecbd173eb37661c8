/**
 * The reason registry (src/reasons.ts) is the one list every other list derives from, and the
 * weights are named after its codes. docs/ARCHITECTURE.md's recipe for a new signal relies on this.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/core/evaluate.js';
import { DEFAULT_WEIGHTS, type Weights } from '../../src/core/weights.js';
import { CARRIER_HOLDER_CODES, FORGEABLE_CODES, NUMBER_CODES, REASONS, REASON_CODES, WEIGHT_KEYS } from '../../src/reasons.js';
import { ANDROID, AT, DAY, TOKYO, coreInput, ownerProfile } from '../helpers/core-input.js';

describe('the reason registry', () => {
  it('lists each code once, and every derived list comes from it', () => {
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
    expect([...CARRIER_HOLDER_CODES].every((code) => NUMBER_CODES.has(code))).toBe(true);
    for (const code of FORGEABLE_CODES) expect(REASONS.find((entry) => entry.code === code)!.carrierHolder).toBe(false);
  });

  it('names every weight after its code, gives every weighted code a weight, and every weight a default', () => {
    for (const entry of REASONS) {
      if (entry.kind === 'weighted') expect(entry.weightKeys.length, entry.code).toBeGreaterThan(0);
      else expect(entry.weightKeys, entry.code).toEqual([]);
      for (const key of entry.weightKeys) expect(key === entry.code || key.startsWith(`${entry.code}_`), key).toBe(true);
    }
    expect(Object.keys(DEFAULT_WEIGHTS).sort()).toEqual([...WEIGHT_KEYS].sort());
    for (const key of WEIGHT_KEYS) expect(Number.isFinite(DEFAULT_WEIGHTS[key]), key).toBe(true);
  });

  it('a weight left without a default does not compile', () => {
    const { new_country: _dropped, ...rest } = DEFAULT_WEIGHTS;
    // @ts-expect-error every weight the registry names needs a default value
    const incomplete: Weights = rest;
    expect(Object.keys(incomplete)).not.toContain('new_country');
  });

  it('report-only codes never move the risk; forgeable ones stop counting once a reissue was possible', () => {
    const dormant = ownerProfile({ ownerProofAt: AT - 400 * DAY });
    const inputs = [
      coreInput(),
      coreInput({ profile: null }),
      coreInput({ device: null, geo: { status: 'unavailable', result: null } }),
      coreInput({ device: ANDROID, geo: { status: 'ok', result: TOKYO }, attempt: { action: 'payment' }, preset: 'fintech' }),
      coreInput({ profile: dormant }),
      coreInput({
        profile: dormant,
        device: { key: 'c:ios|mobile#iphone', fromToken: false, classKey: 'ios|mobile#iphone', osFamily: 'ios', deviceType: 'mobile' },
      }),
    ];
    for (const input of inputs) {
      for (const reason of evaluate(input).reasons) {
        const entry = REASONS.find((candidate) => candidate.code === reason.code)!;
        if (entry.kind === 'report') expect(reason.effect, reason.code).toBe(0);
        if (entry.forgeable && input.subject.history.profile === dormant) expect(reason.effect, reason.code).toBe(0);
      }
    }
  });
});
