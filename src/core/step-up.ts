import type { StepUpCheck } from '../types/index.js';
import type { Policy } from './policy.js';

/** Order in which step-up options are offered: least friction for the owner first. */
const FRICTION_ORDER: StepUpCheck[] = ['password', 'trusted_device', 'previous_password', 'email', 'known_address', 'face', 'id_match'];

/**
 * What a check rests on. Two checks of one kind fail together (a breach that leaked the password
 * often leaked the previous one and the address too; a forged identity beats a face and a document
 * check alike), so only checks of different kinds combine as independent factors, as NIST SP 800-63B
 * section 4 counts factors by type (something you know, have, are).
 */
export const CHECK_KIND: Record<StepUpCheck, 'knowledge' | 'possession' | 'identity'> = {
  password: 'knowledge',
  previous_password: 'knowledge',
  known_address: 'knowledge',
  trusted_device: 'possession',
  email: 'possession',
  face: 'identity',
  id_match: 'identity',
};

/**
 * The policy a step-up is judged by when the person may be the number's new holder (the number
 * likely or certainly changed hands): a password the host lets be reset by SMS is the SIM holder's to
 * set, so it stops none of them.
 */
export function reissuePolicy(policy: Policy): Policy {
  if (!policy.passwordResetBySms) return policy;
  return { ...policy, checkStrength: { ...policy.checkStrength, password: 0 } };
}

/**
 * Checks (or pairs of checks of different kinds) the host can run that, with the checks already
 * passed in this attempt, are strong enough for this risk. A check that adds nothing to what was
 * passed (one of the same kind, no stronger) is never offered.
 */
export function chooseStepUp(policy: Policy, available: readonly StepUpCheck[], alreadyPassed: readonly StepUpCheck[], required: number): StepUpCheck[][] {
  const candidates = FRICTION_ORDER.filter((check) => available.includes(check) && !alreadyPassed.includes(check));
  const before = combinedStrength(policy, alreadyPassed);
  const adds = (checks: StepUpCheck[]) => {
    const after = combinedStrength(policy, [...alreadyPassed, ...checks]);
    return after > before && after >= required;
  };
  const singles = candidates.filter((check) => adds([check]));
  const pairs: StepUpCheck[][] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i]!;
      const b = candidates[j]!;
      if (singles.includes(a) || singles.includes(b) || CHECK_KIND[a] === CHECK_KIND[b]) continue;
      if (policy.checkStrength[a] > 0 && policy.checkStrength[b] > 0 && adds([a, b])) pairs.push([a, b]);
    }
  }
  return [...singles.map((check) => [check]), ...pairs];
}

/**
 * How strong several checks are together: the chance at least one stops a stranger, counting the
 * strongest check of each kind once (checks of one kind fail together, see `CHECK_KIND`).
 */
export function combinedStrength(policy: Policy, checks: readonly StepUpCheck[]): number {
  const best = new Map<string, number>();
  for (const check of checks) {
    const kind = CHECK_KIND[check];
    best.set(kind, Math.max(best.get(kind) ?? 0, policy.checkStrength[check]));
  }
  let through = 1;
  for (const strength of best.values()) through *= 1 - strength;
  return 1 - through;
}

/** Whether the host can reach `level` with what it runs plus what was already passed. */
function reachable(policy: Policy, available: readonly StepUpCheck[], passed: readonly StepUpCheck[], level: number): boolean {
  return combinedStrength(policy, passed) >= level || chooseStepUp(policy, available, passed, level).length > 0;
}

/**
 * The strength a step-up must have when only a non-SMS check can show who holds the number (the
 * guard is blind, or a reissue was possible and nothing unforgeable shows the owner): the preset's
 * high bar when the host can meet it with what it runs or what was already passed, else its base
 * bar. A host with only a password gets a password step-up, not a denial for lack of evidence.
 */
export function strongestStepUpStrength(policy: Policy, available: readonly StepUpCheck[], passed: readonly StepUpCheck[]): number {
  const high = policy.requiredStrength.high;
  return reachable(policy, available, passed, high) ? high : policy.requiredStrength.base;
}

/**
 * The strength a step-up must have when the person may be the number's new holder: the preset's
 * reissue bar (`requiredStrength.likelyReissue`, or `confirmedReissue` when the carrier says the
 * number changed subscriber) when the host can meet it, which takes a check the SIM holder cannot
 * pass with a leaked password (ID match, face, a trusted device) or a password with a factor of
 * another kind; else the strongest of the lower bars it can meet. Judged with `reissuePolicy`.
 */
export function reissueStepUpStrength(policy: Policy, available: readonly StepUpCheck[], passed: readonly StepUpCheck[], confirmed: boolean): number {
  const judged = reissuePolicy(policy);
  const bar = confirmed ? policy.requiredStrength.confirmedReissue : policy.requiredStrength.likelyReissue;
  return reachable(judged, available, passed, bar) ? bar : strongestStepUpStrength(judged, available, passed);
}
