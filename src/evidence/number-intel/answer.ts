import { lazySchema } from '../../util/lazy-deps.js';
import type { NumberIntelAnswer } from '../../types/index.js';
import { cleanText } from './failure.js';

const dateLike = lazySchema((z) => z.union([z.string().max(64), z.number(), z.date()]));

/** Provider answers are external input too: a host's own provider may return anything. */
export const answerSchema = lazySchema((z) =>
  z.object({
    source: z.string().min(1).max(100),
    changedSince: z.boolean().optional(),
    reissuedAt: dateLike().optional(),
    tenureSince: dateLike().optional(),
    tenureCoversSince: z.boolean().optional(),
    lastSimChange: dateLike().nullable().optional(),
    lastDeviceChange: dateLike().nullable().optional(),
    identityMatch: z.boolean().optional(),
    unavailable: z.string().max(200).optional(),
  }),
);

/** The answer, or an unavailable one naming the field that broke the schema. */
export function validateAnswer(raw: unknown, source: string): NumberIntelAnswer {
  const parsed = answerSchema().safeParse(raw);
  if (parsed.success) return parsed.data as NumberIntelAnswer;
  const issue = parsed.error.issues[0];
  return { source, unavailable: cleanText(`malformed answer (${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'})`) };
}

/** Conclusive = says whether the number changed subscriber; tenure, SIM and identity answers do not. */
export function isConclusive(answer: NumberIntelAnswer): boolean {
  return !answer.unavailable && answer.changedSince !== undefined;
}
