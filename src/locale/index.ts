/**
 * Messages in the locales the library speaks. A message is rendered from its key and parameters
 * (`ReasonText`, `AdviceStepId`, a step-up check), so one decision can be shown in any locale:
 * the guard's `locale` option renders its decisions, the HTTP helper re-renders a body in the
 * language the request's `Accept-Language` asks for.
 */
import type { Reason, VictimAdvice } from '../types/index.js';
import { en } from './en.js';
import type { AdviceStepId, Catalogue, Locale, ReasonMessageKey, ReasonParams, ReasonText } from './types.js';
import { zhCN } from './zh-CN.js';

export * from './types.js';

const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, 'zh-CN': zhCN };

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'zh-CN';
}

export function catalogue(locale: Locale = 'en'): Catalogue {
  return CATALOGUES[locale] ?? en;
}

/** A reason's message in a locale: its sentence, then the note when the evidence was not scored. */
export function renderReasonText(text: ReasonText, locale: Locale = 'en'): string {
  const words = catalogue(locale);
  const render = words.reasons[text.key] as (params: ReasonParams[ReasonMessageKey]) => string;
  return render(text.params) + (text.note ? words.notes[text.note] : '');
}

/** A reason to record: its code, effect, details, the English message and the template it came from. */
export function reasonFrom(code: Reason['code'], effect: number, text: ReasonText, details?: Record<string, unknown>): Reason {
  const reason: Reason = { code, effect, message: renderReasonText(text, 'en'), template: text };
  if (details) reason.details = details;
  return reason;
}

/** The advice steps in a locale. */
export function adviceSteps(ids: readonly AdviceStepId[], locale: Locale = 'en'): string[] {
  const words = catalogue(locale).advice;
  return ids.map((id) => words[id]);
}

/** Advice whose steps are the catalogue's, in a locale. */
export function adviceOf(advice: Omit<VictimAdvice, 'steps'> & { stepIds: AdviceStepId[] }, locale: Locale = 'en'): VictimAdvice {
  return { ...advice, steps: adviceSteps(advice.stepIds, locale) };
}

/**
 * Reasons in another locale. A reason without a template (made by a host, or before templates
 * existed) keeps its message as it is.
 */
export function localizeReasons<R extends Pick<Reason, 'message' | 'template'>>(reasons: readonly R[], locale: Locale): R[] {
  return reasons.map((reason) => (reason.template ? { ...reason, message: renderReasonText(reason.template, locale) } : reason));
}

/** Advice in another locale; advice without step ids keeps its steps. */
export function localizeAdvice(advice: VictimAdvice, locale: Locale): VictimAdvice {
  return advice.stepIds ? { ...advice, steps: adviceSteps(advice.stepIds, locale) } : advice;
}

/** A decision (or an outcome's advice) with every message in `locale`. Nothing else changes. */
export function localizeDecision<D extends { reasons: Reason[]; advice: VictimAdvice }>(decision: D, locale: Locale): D {
  return { ...decision, reasons: localizeReasons(decision.reasons, locale), advice: localizeAdvice(decision.advice, locale) };
}

/**
 * The locale an `Accept-Language` header (RFC 9110, section 12.5.4) asks for among the ones the
 * library speaks: the highest q-value wins, ties go to the earlier entry, `q=0` rules a language
 * out. Any Chinese tag written in Simplified script or for the mainland (`zh`, `zh-CN`, `zh-Hans`,
 * `zh-Hans-CN`, `zh-SG`) is zh-CN; Traditional tags (`zh-TW`, `zh-HK`, `zh-Hant`) are not offered,
 * so they fall through to the next choice. `*` and no match give `fallback`.
 */
export function localeFromAcceptLanguage(header: string | readonly string[] | null | undefined, fallback: Locale = 'en'): Locale {
  const value = Array.isArray(header) ? header.join(',') : typeof header === 'string' ? header : '';
  if (value === '') return fallback;
  const offered: { locale: Locale; q: number }[] = [];
  const refused = new Set<Locale>();
  // A header is short; cap what is read so a hostile one costs nothing.
  for (const part of value.slice(0, 1024).split(',').slice(0, 32)) {
    const [rawTag, ...rawParams] = part.trim().split(';');
    const tag = rawTag!.trim().toLowerCase();
    let q = 1;
    for (const param of rawParams) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (match) q = Math.min(1, Number(match[1]));
    }
    const locale = tag === '*' ? fallback : localeOfTag(tag);
    if (!locale) continue;
    if (q === 0) refused.add(locale);
    else offered.push({ locale, q });
  }
  let best: { locale: Locale; q: number } | undefined;
  for (const choice of offered) if (!refused.has(choice.locale) && (!best || choice.q > best.q)) best = choice;
  return best?.locale ?? fallback;
}

function localeOfTag(tag: string): Locale | undefined {
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  if (tag !== 'zh' && !tag.startsWith('zh-')) return undefined;
  const subtags = tag.split('-').slice(1);
  if (subtags.includes('hant') || subtags.some((subtag) => subtag === 'tw' || subtag === 'hk' || subtag === 'mo')) {
    // Traditional script, or a region that writes it, unless Simplified is named explicitly.
    return subtags.includes('hans') ? 'zh-CN' : undefined;
  }
  return 'zh-CN';
}
