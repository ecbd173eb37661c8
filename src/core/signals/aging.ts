/**
 * The number family, aging side: when no carrier answers conclusively, the aging rules still say
 * something. A number is reissued only after its minimum aging period has passed since the owner
 * last held it, so a recent proof of possession rules a reissue out and a long one makes it possible.
 */
import type { ProofSource } from '../../types/index.js';
import { isoTime as iso } from '../../util/iso-time.js';
import { minAgingDaysFor, type Policy } from '../policy.js';
import { DAY, type Signal, type Subject } from './types.js';

/** The last moment the owner provably held the number. */
export function lastOwnerProof(subject: Pick<Subject, 'phoneBoundAt' | 'lastSeenAt' | 'history' | 'phoneHash' | 'phoneHashAliases'>): {
  at: number;
  from: ProofSource;
} {
  const { history, phoneHash } = subject;
  let at = subject.phoneBoundAt;
  let from: ProofSource = 'binding';
  const profile = history.profile;
  const sameNumber = profile?.phoneHash !== undefined && (profile.phoneHash === phoneHash || (subject.phoneHashAliases?.includes(profile.phoneHash) ?? false));
  if (profile?.ownerProofAt !== undefined && sameNumber && profile.ownerProofAt > at) {
    at = profile.ownerProofAt;
    from = 'history';
  } else if (!profile && subject.lastSeenAt !== undefined && subject.lastSeenAt > at) {
    at = subject.lastSeenAt;
    from = 'host_hint';
  }
  return { at, from };
}

export interface AgingFindings {
  reissuePossible: boolean;
  dormancyDays: number;
  agingDays: number;
}

/**
 * `scored`: false when the carrier settled the question (dormancy is a proxy for the same fact) and
 * when the login did not use the SMS code (the number's holder gains nothing there).
 */
export function agingSignals(subject: Subject, policy: Policy, superseded: boolean, smsUsed: boolean, out: Signal[]): AgingFindings {
  const w = policy.weights;
  const proof = lastOwnerProof(subject);
  const agingDays = minAgingDaysFor(policy, subject.phoneCountry);
  const dormancyDays = Math.max(0, subject.at - proof.at) / DAY;
  const reissuePossible = dormancyDays >= agingDays;
  const base = { dormancyDays: Math.floor(dormancyDays), agingDays, proofFrom: proof.from, proofAt: iso(proof.at) };
  const supersededDetail = superseded ? { superseded: true } : {};
  if (reissuePossible) {
    const raw = w.dormant_beyond_aging + w.dormant_beyond_aging_slope * Math.log(dormancyDays / agingDays);
    out.push({
      code: 'dormant_beyond_aging',
      logLR: superseded || !smsUsed ? 0 : Math.min(w.dormant_beyond_aging_cap, Math.max(0, raw)),
      text: {
        key: 'dormant_beyond_aging',
        params: { days: Math.floor(dormancyDays), proofFrom: proof.from, agingDays, country: subject.phoneCountry },
        ...(smsUsed ? {} : { note: 'not_scored' as const }),
      },
      details: { ...base, ...supersededDetail, ...(smsUsed ? {} : { smsUsed: false }) },
    });
  } else {
    out.push({
      code: 'recent_owner_proof',
      logLR: superseded ? 0 : w.recent_owner_proof,
      text: { key: 'recent_owner_proof', params: { days: Math.floor(dormancyDays), proofFrom: proof.from, agingDays } },
      details: { ...base, ...supersededDetail },
    });
  }
  return { reissuePossible, dormancyDays, agingDays };
}
