import { describe, expect, it } from 'vitest';
import { REASON_CODES, STEP_UP_CHECKS } from 'recycled-number-guard';
import { LOCALES, USER_ERROR_KEYS, catalogue, renderReasonText } from 'recycled-number-guard/http';
import { ADVICE_STEP_IDS, type ReasonMessageKey, type ReasonParams, type ReasonText } from 'recycled-number-guard/types';
import { STORIES } from '../../src/cli/demo/stories.js';

const CJK = /[\u3400-\u9fff]/u;
const en = catalogue('en');
const zh = catalogue('zh-CN');

/** Every message key with parameters that reach each of its branches; the type makes the list complete. */
const SAMPLES: { [K in ReasonMessageKey]: ReasonParams[K][] } = {
  number_reissued_after_binding: [
    { source: 'camara', since: '2022-11-02T08:00:00.000Z', reissuedOn: '2025-12-20T00:00:00.000Z' },
    { source: 'camara', since: '2022-11-02T08:00:00.000Z' },
  ],
  number_not_reissued: [{ source: 'camara', since: '2022-11-02T08:00:00.000Z' }],
  tenure_covers_binding: [{ source: 'kyc-tenure', since: '2022-11-02T08:00:00.000Z' }],
  tenure_after_binding: [{ source: 'kyc-tenure', since: '2022-11-02T08:00:00.000Z' }],
  sim_changed_after_binding: [{ source: 'sim-swap', changedOn: '2025-06-01T00:00:00.000Z', since: '2022-11-02T08:00:00.000Z' }],
  sim_unchanged_since_binding: [{ source: 'sim-swap', since: '2022-11-02T08:00:00.000Z' }],
  recent_sim_change: [{ hours: 2 }],
  carrier_device_changed: [{ source: 'device-swap', changedOn: '2025-09-01T00:00:00.000Z' }],
  identity_mismatch: [{ source: 'kyc-match' }],
  identity_match: [{ source: 'kyc-match' }],
  number_intel_unavailable: [{ source: 'camara', why: 'timeout' }],
  'number_intel_unavailable.not_configured': [{}],
  number_intel_conflict: [{ used: 'camara', overruled: ['twilio-lookup', 'vonage'] }],
  dormant_beyond_aging: [
    { days: 315, proofFrom: 'host_hint', agingDays: 90, country: 'CN' },
    { days: 400, proofFrom: 'binding', agingDays: 90, country: 'CN' },
    { days: 200, proofFrom: 'history', agingDays: 45, country: 'US' },
  ],
  recent_owner_proof: [{ days: 3, proofFrom: 'history', agingDays: 90 }],
  'continuity_unproven.carrier': [
    { source: 'camara', raised: true },
    { source: 'camara', raised: false },
  ],
  'continuity_unproven.dormant': [
    { days: 200, agingDays: 90, raised: true },
    { days: 200, agingDays: 90, raised: false },
  ],
  account_protected: [{ since: '2026-11-30', reason: 'owner freeze' }],
  'account_protected.unreadable': [{}],
  dormant_account: [{ days: 200, preset: 'cloud-drive', limitDays: 180 }],
  known_device: [{}],
  vouched_device: [{}],
  known_device_class: [{ device: 'Apple iPhone iOS mobile Mobile Safari' }],
  new_device: [{ device: 'Android mobile Chrome' }],
  'new_device.known_class': [{ device: 'Apple iPhone iOS mobile Mobile Safari' }],
  device_class_change: [{ now: 'Android|mobile', before: ['iOS|mobile', '|desktop'] }],
  device_unavailable: [{}],
  known_region: [{ place: 'Beijing, BJ, CN' }],
  new_region: [{ place: 'Shanghai, SH, CN' }],
  new_country: [{ country: 'JP', before: ['CN', 'US'] }],
  impossible_travel: [
    { km: 2100, minutes: 30 },
    { km: 9000, hours: 3 },
  ],
  number_country_mismatch: [{ ipCountry: 'JP', numberCountry: 'CN' }],
  geo_unavailable: [{ error: 'no location' }, {}],
  'geo_unavailable.not_configured': [{}],
  register_on_bound_number: [{}],
  recovery_attempt: [{}],
  sensitive_action: [{ action: 'change_phone', stepUp: 0.02, deny: 0.5 }],
  recent_failed_step_up: [{ count: 1 }, { count: 3 }],
  strong_factor_verified: STEP_UP_CHECKS.map((check) => ({ check })),
  'strong_factor_verified.met': [{ required: 0.9, passed: ['password', 'face'] }],
  no_history: [{}],
  history_unavailable: [{ error: 'connection refused' }, {}],
  'fail_mode_applied.always_step_up': [{ preset: 'fintech', action: 'reset_password' }],
  'fail_mode_applied.no_history': [
    { preset: 'fintech', strong: true },
    { preset: 'fintech', strong: false },
  ],
  'fail_mode_applied.carrier_unavailable': [
    { preset: 'fintech', strong: true },
    { preset: 'fintech', strong: false },
  ],
  'fail_mode_applied.no_check': [
    { required: 0.9, available: ['password'] },
    { required: 0.9, available: [] },
  ],
  'fail_mode_applied.internal_error': [{ error: 'boom' }],
  'fail_mode_applied.recipient_internal_error': [{ error: 'boom' }],
};

function expectTranslated(where: string, english: string, chinese: string) {
  expect(chinese, `${where}: zh-CN is missing`).toBeTypeOf('string');
  expect(chinese, `${where}: zh-CN is the English text`).not.toBe(english);
  expect(chinese, `${where}: zh-CN has no Chinese in it`).toMatch(CJK);
  for (const text of [english, chinese]) expect(text, where).not.toMatch(/undefined|\[object|NaN/);
}

describe('the message catalogue', () => {
  it('speaks en and zh-CN', () => {
    expect(LOCALES).toEqual(['en', 'zh-CN']);
    expect(zh.locale).toBe('zh-CN');
  });

  it('has a message and a title for every reason code, in both languages', () => {
    const keys = Object.keys(en.reasons);
    expect(Object.keys(zh.reasons).sort()).toEqual([...keys].sort());
    for (const code of REASON_CODES) {
      expect(
        keys.some((key) => key === code || key.startsWith(`${code}.`)),
        `no message for ${code}`,
      ).toBe(true);
      expectTranslated(`title of ${code}`, en.reasonTitles[code], zh.reasonTitles[code]);
    }
    expect(Object.keys(zh.reasonTitles).sort()).toEqual([...REASON_CODES].sort());
  });

  it('every reason message renders in both languages, and the Chinese is Chinese', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(en.reasons).sort());
    for (const [key, samples] of Object.entries(SAMPLES)) {
      expect(samples.length, key).toBeGreaterThan(0);
      for (const params of samples) {
        const text = { key, params } as ReasonText;
        expectTranslated(`${key} ${JSON.stringify(params)}`, renderReasonText(text, 'en'), renderReasonText(text, 'zh-CN'));
      }
    }
  });

  it('the "not scored" notes are translated and appended', () => {
    for (const note of ['not_scored', 'not_counted'] as const) {
      expectTranslated(note, en.notes[note], zh.notes[note]);
      const text: ReasonText = { key: 'known_region', params: { place: 'Beijing, BJ, CN' }, note };
      expect(renderReasonText(text, 'zh-CN').endsWith(zh.notes[note])).toBe(true);
      expect(renderReasonText(text, 'en')).toBe(`Beijing, BJ, CN, where the owner logged in before${en.notes[note]}`);
    }
  });

  it('every advice step, step-up prompt, check, action and user-facing error has both', () => {
    for (const id of ADVICE_STEP_IDS) expectTranslated(`advice ${id}`, en.advice[id], zh.advice[id]);
    for (const check of STEP_UP_CHECKS) {
      expectTranslated(`prompt ${check}`, en.stepUpPrompts[check], zh.stepUpPrompts[check]);
      expectTranslated(`check ${check}`, en.checkNames[check], zh.checkNames[check]);
    }
    for (const [action, text] of Object.entries(en.actionNames))
      expectTranslated(`action ${action}`, text, zh.actionNames[action as keyof typeof zh.actionNames]);
    for (const key of USER_ERROR_KEYS) expectTranslated(`error ${key}`, en.errors[key], zh.errors[key]);
    for (const [action, text] of Object.entries(en.decisionMessages)) expectTranslated(`decision ${action}`, text, zh.decisionMessages[action as 'allow']);
    expectTranslated('new holder', en.newHolderMessages.offer_new_account, zh.newHolderMessages.offer_new_account);
    for (const advice of ['protect_account', 'review_binding'] as const)
      expectTranslated(advice, en.previousHolderMessages[advice], zh.previousHolderMessages[advice]);
  });

  it('every string and phrase of the evidence view, the recipient check and the demo has both', () => {
    const walk = (path: string, english: unknown, chinese: unknown) => {
      if (typeof english === 'string') return expectTranslated(path, english, chinese as string);
      if (typeof english === 'function') {
        const args = path.endsWith('outcome') ? [true, false, 'password'] : ['x', 'y'];
        return expectTranslated(path, (english as (...a: unknown[]) => string)(...args), (chinese as (...a: unknown[]) => string)(...args));
      }
      for (const [key, value] of Object.entries(english as object)) walk(`${path}.${key}`, value, (chinese as Record<string, unknown>)[key]);
    };
    walk('evidence', en.evidence, zh.evidence);
    walk('recipient', en.recipient, zh.recipient);
    const { stories: _enStories, actions, changedHands, adviceNames, ...demo } = en.demo;
    const { stories, ...zhDemo } = zh.demo;
    walk('demo', demo, zhDemo);
    // The English demo prints the codes themselves; the Chinese one names them.
    for (const [key, value] of Object.entries({ ...actions, ...changedHands, ...adviceNames })) {
      expect(value).toBe(key);
      expect({ ...zhDemo.actions, ...zhDemo.changedHands, ...zhDemo.adviceNames }[key], key).toMatch(CJK);
    }
    for (const story of STORIES) {
      expect(stories[story.id], `zh-CN title of story ${story.id}`).toMatch(CJK);
      story.featured.forEach((step, index) => {
        if (step.label) expect(stories[`${story.id}.${index}`], `zh-CN label of ${story.id} step ${index}`).toMatch(CJK);
      });
    }
  });
});
