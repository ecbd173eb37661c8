import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

export interface InputIssue {
  /** Dotted path of the bad field, e.g. `phoneBoundAt` or `clientHints.sec-ch-ua-model`. */
  field: string;
  message: string;
}

/** The attempt (or outcome) was malformed. Never means "allow": the host must not sign the user in. */
export class InvalidInputError extends RecycledNumberGuardError {
  readonly issues: InputIssue[];

  constructor(issues: InputIssue[]) {
    super('INVALID_INPUT', `Invalid input: ${issues.map((issue) => `${issue.field || '(root)'}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidInputError';
    this.issues = issues;
  }

  /** Names of the bad fields. */
  get fields(): string[] {
    return [...new Set(this.issues.map((issue) => issue.field))];
  }
}
