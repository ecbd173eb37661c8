/**
 * The number family, carrier side: answers from number-intelligence providers and the host's
 * ingested events. Did the number change subscriber after the account bound it (or after the
 * owner's last strong proof)?
 */
import type { NumberEvent } from '../../types/profile.js';
import type { NumberIntelAnswer } from '../../types/index.js';
import { isoTime as iso } from '../../util/iso-time.js';
import type { Policy } from '../policy.js';
import { DAY, toMs, type NumberFindings, type Signal, type Subject } from './types.js';

/** Ingested carrier events become one more answer: positive only, since a file's silence proves nothing. */
export function answerFromEvents(events: NumberEvent[], since: number): NumberIntelAnswer | null {
  const change = events.filter((event) => (event.type === 'disconnected' || event.type === 'reissued') && event.at > since).sort((a, b) => a.at - b.at)[0];
  const sim = events.filter((event) => event.type === 'sim_change').sort((a, b) => b.at - a.at)[0];
  if (!change && !sim) return null;
  const answer: NumberIntelAnswer = { source: change?.source ?? sim!.source };
  if (change) {
    answer.changedSince = true;
    answer.reissuedAt = change.at;
  }
  if (sim) answer.lastSimChange = sim.at;
  return answer;
}

export type CarrierFindings = Pick<NumberFindings, 'carrierSays' | 'continuity'> & { answers: NumberIntelAnswer[] };

export function carrierSignals(subject: Subject, policy: Policy, out: Signal[]): CarrierFindings {
  const { intel } = subject;
  const w = policy.weights;
  const since = intel.since;
  const answers = intel.answers.slice();
  const fromEvents = answerFromEvents(subject.numberEvents, since);
  if (fromEvents) answers.push(fromEvents);

  for (const answer of answers) {
    if (answer.unavailable) {
      out.push({
        code: 'number_intel_unavailable',
        logLR: 0,
        text: { key: 'number_intel_unavailable', params: { source: answer.source, why: answer.unavailable } },
        details: { source: answer.source, why: answer.unavailable },
      });
    }
  }
  if (intel.status === 'not_configured' && !fromEvents) {
    out.push({
      code: 'number_intel_unavailable',
      logLR: 0,
      text: { key: 'number_intel_unavailable.not_configured', params: {} },
      details: { why: 'not_configured' },
    });
  }

  // Precedence: the first conclusive answer in the configured order; later disagreement is shown.
  const conclusive = answers.filter((answer) => !answer.unavailable && answer.changedSince !== undefined);
  const primary = conclusive[0];
  let carrierSays: NumberFindings['carrierSays'];
  if (primary) {
    carrierSays = { changed: primary.changedSince!, source: primary.source };
    const reissuedAt = toMs(primary.reissuedAt);
    if (primary.changedSince) {
      out.push({
        code: 'number_reissued_after_binding',
        logLR: w.number_reissued_after_binding,
        text: {
          key: 'number_reissued_after_binding',
          params: { source: primary.source, since: iso(since), ...(reissuedAt ? { reissuedOn: iso(reissuedAt) } : {}) },
        },
        details: { source: primary.source, since: iso(since), ...(reissuedAt ? { reissuedAt: iso(reissuedAt) } : {}) },
      });
    } else {
      out.push({
        code: 'number_not_reissued',
        logLR: w.number_not_reissued,
        text: { key: 'number_not_reissued', params: { source: primary.source, since: iso(since) } },
        details: { source: primary.source, since: iso(since) },
      });
    }
    const dissent = conclusive.filter((answer) => answer.changedSince !== primary.changedSince);
    if (dissent.length > 0) {
      out.push({
        code: 'number_intel_conflict',
        logLR: 0,
        text: { key: 'number_intel_conflict', params: { used: primary.source, overruled: dissent.map((a) => a.source) } },
        details: { used: primary.source, overruled: dissent.map((a) => a.source) },
      });
    }
  }
  // Recycling evidence supersedes tenure and SIM inference; they still speak when they are all there is.
  const superseded = carrierSays !== undefined;
  const continuity = subscriberSignals(subject, policy, answers, superseded, out);
  return { carrierSays, continuity, answers };
}

/** Tenure, SIM, device and identity answers, from whichever provider gave them first. Returns continuity. */
function subscriberSignals(subject: Subject, policy: Policy, answers: NumberIntelAnswer[], superseded: boolean, out: Signal[]): boolean {
  const w = policy.weights;
  const since = subject.intel.since;
  const supersededDetail = superseded ? { superseded: true } : {};
  let continuity = false;
  const seen = { tenure: false, sim: false, identity: false, device: false };
  for (const answer of answers) {
    if (answer.unavailable) continue;
    const tenureSince = toMs(answer.tenureSince);
    const covers = answer.tenureCoversSince ?? (tenureSince !== undefined ? tenureSince <= since : undefined);
    if (covers !== undefined && !seen.tenure) {
      seen.tenure = true;
      if (covers) continuity = true;
      out.push({
        code: covers ? 'tenure_covers_binding' : 'tenure_after_binding',
        logLR: superseded ? 0 : covers ? w.tenure_covers_binding : w.tenure_after_binding,
        text: { key: covers ? 'tenure_covers_binding' : 'tenure_after_binding', params: { source: answer.source, since: iso(since) } },
        details: { source: answer.source, ...(tenureSince ? { tenureSince: iso(tenureSince) } : {}), ...supersededDetail },
      });
    }
    if (answer.lastSimChange !== undefined && !seen.sim) {
      seen.sim = true;
      const simAt = toMs(answer.lastSimChange);
      const changed = simAt !== undefined && simAt > since;
      if (!changed) continuity = true;
      out.push({
        code: changed ? 'sim_changed_after_binding' : 'sim_unchanged_since_binding',
        logLR: superseded ? 0 : changed ? w.sim_changed_after_binding : w.sim_unchanged_since_binding,
        text: changed
          ? { key: 'sim_changed_after_binding', params: { source: answer.source, changedOn: iso(simAt!), since: iso(since) } }
          : { key: 'sim_unchanged_since_binding', params: { source: answer.source, since: iso(since) } },
        details: { source: answer.source, ...(simAt ? { lastSimChange: iso(simAt) } : {}), ...supersededDetail },
      });
      if (simAt !== undefined && subject.at - simAt >= 0 && subject.at - simAt < policy.recentSimChangeDays * DAY) {
        out.push({
          code: 'recent_sim_change',
          logLR: w.recent_sim_change,
          text: { key: 'recent_sim_change', params: { hours: Math.round((subject.at - simAt) / 3_600_000) } },
          details: { source: answer.source, lastSimChange: iso(simAt) },
        });
      }
    }
    if (answer.lastDeviceChange !== undefined && !seen.device) {
      seen.device = true;
      const changedAt = toMs(answer.lastDeviceChange);
      if (changedAt !== undefined && changedAt > since) {
        out.push({
          code: 'carrier_device_changed',
          logLR: w.carrier_device_changed,
          text: { key: 'carrier_device_changed', params: { source: answer.source, changedOn: iso(changedAt) } },
          details: { source: answer.source, lastDeviceChange: iso(changedAt) },
        });
      }
    }
    if (answer.identityMatch !== undefined && !seen.identity) {
      seen.identity = true;
      out.push({
        code: answer.identityMatch ? 'identity_match' : 'identity_mismatch',
        logLR: answer.identityMatch ? w.identity_match : w.identity_mismatch,
        text: { key: answer.identityMatch ? 'identity_match' : 'identity_mismatch', params: { source: answer.source } },
        details: { source: answer.source },
      });
    }
  }
  return continuity;
}
