/**
 * Evidence to signals, in a fixed order: what the guard had to go on, the number (carrier, then
 * the aging rules), the device, the region, the intent, then who holds the number by unforgeable
 * evidence. One file per family; src/reasons.ts lists every code a family may emit.
 */
import { CARRIER_HOLDER_CODES, NUMBER_CODES } from '../../reasons.js';
import { agingSignals } from './aging.js';
import { ownerContinuity, discountForgeable, unprovenSignal } from './continuity.js';
import { deviceSignals } from './device.js';
import { geoSignals } from './geo.js';
import { intentSignals } from './intent.js';
import { carrierSignals } from './number.js';
import type { Continuity, CoreInput, LoginInput, NumberFindings, Signal, Subject } from './types.js';
import type { Policy } from '../policy.js';

export type { Continuity, CoreInput, Login, LoginInput, NumberFindings, OwnerProof, Signal, Subject } from './types.js';
export { answerFromEvents } from './number.js';
export { lastOwnerProof } from './aging.js';

function historySignals(subject: Subject, out: Signal[]): void {
  if (subject.history.status === 'unavailable') {
    out.push({
      code: 'history_unavailable',
      logLR: 0,
      text: { key: 'history_unavailable', params: subject.history.error ? { error: subject.history.error } : {} },
    });
  } else if (subject.history.status === 'none') {
    out.push({ code: 'no_history', logLR: 0, text: { key: 'no_history', params: {} } });
  }
}

/** The number family: carrier answers and the aging rules. `smsUsed`: whether its holder is in play. */
function numberSignals(subject: Subject, policy: Policy, smsUsed: boolean, out: Signal[]): NumberFindings {
  const carrier = carrierSignals(subject, policy, out);
  const aging = agingSignals(subject, policy, carrier.carrierSays !== undefined, smsUsed, out);
  const intelMissing =
    !carrier.carrierSays && !carrier.continuity && (subject.intel.status === 'unavailable' || carrier.answers.some((answer) => answer.unavailable));
  return { carrierSays: carrier.carrierSays, continuity: carrier.continuity, intelMissing, ...aging };
}

/** All signals for one login. */
export function collectSignals(input: LoginInput): { signals: Signal[]; findings: NumberFindings; continuity: Continuity } {
  const { subject, login, policy } = input;
  const signals: Signal[] = [];
  historySignals(subject, signals);
  const smsUsed = login.verified.includes('sms_otp');
  const findings = numberSignals(subject, policy, smsUsed, signals);
  if (!smsUsed) {
    // Who holds the number says nothing about a login that did not use it (a password login by the
    // previous owner after the number went to someone else): reported, not scored.
    for (const signal of signals) {
      if (!CARRIER_HOLDER_CODES.has(signal.code) || signal.logLR === 0) continue;
      signal.logLR = 0;
      signal.text = { ...signal.text, note: 'not_scored' };
      signal.details = { ...signal.details, smsUsed: false };
    }
  }
  deviceSignals(subject, login, policy, signals);
  geoSignals(subject, login, policy, signals);
  intentSignals(subject, login, policy, signals);

  const continuity = ownerContinuity(login, policy, input.checks, findings, signals);
  if (smsUsed) discountForgeable(findings, signals);
  if (continuity.unproven) signals.push(unprovenSignal(login, policy, findings, signals));
  return { signals, findings, continuity };
}

/**
 * The number alone, without a login (recipient checks and sweeps): the message goes by SMS, so
 * whoever holds the SIM now is the one it reaches, and only the number's own evidence speaks.
 */
export function collectNumberSignals(input: CoreInput): { signals: Signal[]; findings: NumberFindings } {
  const signals: Signal[] = [];
  historySignals(input.subject, signals);
  const findings = numberSignals(input.subject, input.policy, true, signals);
  return { signals: signals.filter((signal) => NUMBER_CODES.has(signal.code)), findings };
}
