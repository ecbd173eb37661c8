/**
 * The intent family: what the person asked for ("register" on a bound number, recovery), how their
 * recent step-ups went, and the non-SMS checks they already passed in this attempt.
 */
import type { Policy } from '../policy.js';
import { DAY, type Login, type Signal, type Subject } from './types.js';

export function intentSignals(subject: Subject, login: Login, policy: Policy, out: Signal[]): void {
  const w = policy.weights;
  if (login.action === 'register') {
    out.push({
      code: 'register_on_bound_number',
      logLR: w.register_on_bound_number,
      text: { key: 'register_on_bound_number', params: {} },
    });
  } else if (login.action === 'recover') {
    out.push({ code: 'recovery_attempt', logLR: w.recovery_attempt, text: { key: 'recovery_attempt', params: {} } });
  }
  const since = subject.at - 7 * DAY;
  const failures = (subject.history.profile?.failedStepUps ?? []).filter((entry) => entry.at >= since && entry.at <= subject.at);
  if (failures.length > 0) {
    const counted = Math.min(3, failures.length);
    out.push({
      code: 'recent_failed_step_up',
      logLR: w.recent_failed_step_up * counted,
      text: { key: 'recent_failed_step_up', params: { count: failures.length } },
      details: { count: failures.length },
    });
  }
  for (const factor of login.verified) {
    if (factor === 'sms_otp') continue;
    const strength = policy.checkStrength[factor];
    // P(pass | non-owner) / P(pass | owner); owners pass a check they were enrolled in ~95% of the time.
    out.push({
      code: 'strong_factor_verified',
      logLR: Math.log(Math.max(1e-4, 1 - strength) / 0.95),
      text: { key: 'strong_factor_verified', params: { check: factor } },
      details: { check: factor },
    });
  }
}
