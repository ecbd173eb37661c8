/**
 * A non-SMS check the host ran (password, previous password, ID match, face, known address, ...),
 * as `freeze` and `unprotect` take it. The SMS code is not one: it proves the number, and the
 * number is what may have changed hands.
 */
import { combinedStrength } from '../core/step-up.js';
import type { Policy } from '../core/policy.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { STEP_UP_CHECKS, type StepUpCheck } from '../types/index.js';
import type { z as ZodNamespace } from 'zod';
import { lazySchema } from '../util/lazy-deps.js';
import { zodIssues } from '../validate/attempt.js';

export interface CheckProof {
  /** The check (or checks) the host ran just now. */
  check?: StepUpCheck;
  checks?: StepUpCheck[];
  passed: boolean;
}

export const accountIdSchema = lazySchema((z) => z.string().min(1).max(256));

/** The fields every check result has, as `recordOutcome`'s outcome and a freeze or unprotect proof carry them. */
export function checkResultShape(z: typeof ZodNamespace) {
  const check = z.enum(STEP_UP_CHECKS as [string, ...string[]]);
  return { check: check.optional(), checks: z.array(check).min(1).max(STEP_UP_CHECKS.length).optional(), passed: z.boolean() };
}

export const proofSchema = lazySchema((z) =>
  z
    .object(checkResultShape(z))
    .strict()
    .refine((value) => value.check !== undefined || value.checks !== undefined, { message: 'name the non-SMS check (or checks) that ran', path: ['check'] }),
);

/** Validates a proof; `InvalidInputError` names `<field>.check` and the like. */
export function parseProof(value: unknown, field: string): { checks: StepUpCheck[]; passed: boolean } {
  const parsed = proofSchema().safeParse(value);
  if (!parsed.success)
    throw new InvalidInputError(zodIssues(parsed.error).map((issue) => ({ ...issue, field: issue.field ? `${field}.${issue.field}` : field })));
  const checks = [...new Set([...(parsed.data.checks ?? []), ...(parsed.data.check ? [parsed.data.check] : [])])] as StepUpCheck[];
  return { checks, passed: parsed.data.passed };
}

export function parseAccountId(value: unknown, field = 'accountId'): string {
  const parsed = accountIdSchema().safeParse(value);
  if (!parsed.success) throw new InvalidInputError([{ field, message: parsed.error.issues[0]?.message ?? 'invalid' }]);
  return parsed.data;
}

/** How strong the checks are together, against the preset's bar. */
export function proofMeets(policy: Policy, checks: readonly StepUpCheck[], required: number): { strength: number; meets: boolean } {
  const strength = combinedStrength(policy, checks);
  return { strength, meets: strength >= required };
}
