import type { StepUpCheck } from '../types/index.js';
import type { Policy } from './policy.js';

/** Order in which step-up options are offered: least friction for the owner first. */
const FRICTION_ORDER: StepUpCheck[] = ['password', 'trusted_device', 'previous_password', 'email', 'known_address', 'face', 'id_match'];

/** Checks (or pairs of checks) the host can run that are strong enough for this risk. */
export function chooseStepUp(policy: Policy, available: readonly StepUpCheck[], alreadyPassed: readonly StepUpCheck[], required: number): StepUpCheck[][] {
  const candidates = FRICTION_ORDER.filter((check) => available.includes(check) && !alreadyPassed.includes(check));
  const strength = policy.checkStrength;
  const singles = candidates.filter((check) => strength[check] >= required);
  const pairs: StepUpCheck[][] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i]!;
      const b = candidates[j]!;
      if (singles.includes(a) || singles.includes(b)) continue;
      if (1 - (1 - strength[a]) * (1 - strength[b]) >= required) pairs.push([a, b]);
    }
  }
  return [...singles.map((check) => [check]), ...pairs];
}

/** How strong several independent checks are together: the chance at least one stops a stranger. */
export function combinedStrength(policy: Policy, checks: readonly StepUpCheck[]): number {
  let through = 1;
  for (const check of new Set(checks)) through *= 1 - policy.checkStrength[check];
  return 1 - through;
}

/**
 * The strength a step-up must have when only a non-SMS check can show who holds the number (the
 * guard is blind, or a reissue was possible and nothing unforgeable shows the owner): the preset's
 * high bar when the host can meet it with what it runs or what was already passed, else its base
 * bar. A host with only a password gets a password step-up, not a denial for lack of evidence.
 */
export function strongestStepUpStrength(policy: Policy, available: readonly StepUpCheck[], passed: readonly StepUpCheck[]): number {
  const high = policy.requiredStrength.high;
  const reachable = combinedStrength(policy, passed) >= high || chooseStepUp(policy, available, passed, high).length > 0;
  return reachable ? high : policy.requiredStrength.base;
}
