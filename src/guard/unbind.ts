/**
 * Unbind and renewal notices: "number N has a new subscriber since date D", from a carrier's or a
 * registry's unbind service (China's one-click query-and-unbind, the carriers' "renew my recycled
 * number" services) or the host's own mapping of them. A notice is stored as a carrier-grade
 * `reissued` event for N at D, so from then on every binding of N made before D counts as changed
 * hands: `assess` treats it as carrier-confirmed and `releaseNumber` releases it. Replaying a notice
 * (same source and request id) is a no-op. The number is returned normalised, so the host can look
 * up its bindings and protect them (`guard.protect(accountId, { reason: 'unbind_notice', by: 'carrier' })`).
 */
import { InvalidInputError, type InputIssue } from '../errors/invalid-input-error.js';
import { NoticeStoreError } from '../errors/notice-store-error.js';
import { startDeadline, withinDeadline } from '../util/deadline.js';
import { isoTime } from '../util/iso-time.js';
import { lazySchema } from '../util/lazy-deps.js';
import { toEpochMs, zodIssues } from '../validate/attempt.js';
import { parsePhone } from '../validate/phone.js';
import type { GuardContext } from './context.js';
import { requireProtectionStore } from './protect.js';

export interface UnbindNotice {
  /** The sender's id for this notice; a replay carries the same one. */
  requestId: string;
  /** Who sent it, e.g. `cmcc-unbind` or `ctia-renewal`; stored as the event's source `unbind:<source>`. */
  source: string;
  /** E.164, or national digits with `defaultCountry`. */
  phone: string;
  /** Since when the number has its new subscriber. */
  newSubscriberSince: string | Date | number;
  defaultCountry?: string;
}

export interface UnbindNoticeResult {
  /** E.164, as normalised: look up your bindings of it and protect them. */
  phone: string;
  newSubscriberSince: string;
  /** The event's source as stored. */
  source: string;
  requestId: string;
  /** True when this request id was seen before: nothing was changed. */
  duplicate: boolean;
}

/** How long a request id is remembered (as long as the event it stored). */
const REPLAY_WINDOW_MS = 400 * 86_400_000;
const MAX_FUTURE_MS = 86_400_000;

const noticeSchema = lazySchema((z) =>
  z
    .object({
      requestId: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
      source: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
      phone: z.string().min(1).max(40),
      newSubscriberSince: z.union([z.string().max(64), z.date(), z.number()]),
      defaultCountry: z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2')
        .optional(),
    })
    .strict(),
);

export function createIngestUnbindNotice(context: GuardContext) {
  const { clock, defaultCountry, budgetMs } = context.resolved;
  return async function ingestUnbindNotice(notice: UnbindNotice): Promise<UnbindNoticeResult> {
    const parsed = noticeSchema().safeParse(notice);
    if (!parsed.success) throw new InvalidInputError(zodIssues(parsed.error));
    const raw = parsed.data;
    const issues: InputIssue[] = [];
    const since = toEpochMs(raw.newSubscriberSince, 'newSubscriberSince', issues);
    if (since !== undefined && since > clock() + MAX_FUTURE_MS) issues.push({ field: 'newSubscriberSince', message: 'in the future' });
    const phone = parsePhone(raw.phone, raw.defaultCountry?.toUpperCase() ?? defaultCountry);
    if ('error' in phone) issues.push({ field: 'phone', message: phone.error });
    if (issues.length > 0 || since === undefined || 'error' in phone) throw new InvalidInputError(issues);

    const store = requireProtectionStore(context);
    const source = `unbind:${raw.source}`;
    const result: UnbindNoticeResult = { phone: phone.e164, newSubscriberSince: isoTime(since), source, requestId: raw.requestId, duplicate: false };
    const deadline = startDeadline(Math.max(budgetMs, 2_000));
    try {
      // The event first (stores drop exact duplicates), then the request id: a store failure in
      // between leaves a retry that stores nothing twice and still answers.
      await withinDeadline(
        context.store.addNumberEvents(context.hasher.phone(phone.e164), [{ type: 'reissued', at: since, source }]),
        deadline,
        `${context.store.name} store`,
      );
      const seen = await withinDeadline(
        store.hit(`notice:${context.hasher.token(`${raw.source}\0${raw.requestId}`)}`, REPLAY_WINDOW_MS, context.signalFor(deadline)),
        deadline,
        `${context.store.name} store`,
      );
      result.duplicate = seen > 1;
      return result;
    } catch (error) {
      context.report(error, 'store_write');
      throw new NoticeStoreError(error);
    } finally {
      deadline.done();
    }
  };
}
