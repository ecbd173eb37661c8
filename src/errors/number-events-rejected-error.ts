import { RecycledNumberGuardError } from './recycled-number-guard-error.js';

/** One bad input line: where, which field, what is wrong. Never holds the phone number itself. */
export interface IngestIssue {
  /** 1-based line number in the file (the header is line 1), or record index + 1 for arrays. */
  line: number;
  /** `phone`, `type`, `date`, `source`, or `line` for the line as a whole. */
  field: string;
  message: string;
}

/** Strict ingestion found bad lines; nothing was stored. */
export class NumberEventsRejectedError extends RecycledNumberGuardError {
  readonly issues: IngestIssue[];
  /** First bad line. */
  readonly line: number;
  readonly field: string;
  /** Bad lines in total (issues lists at most `maxErrors`). */
  readonly rejected: number;

  constructor(issues: IngestIssue[], rejected: number) {
    const first = issues[0] ?? { line: 0, field: 'line', message: 'rejected' };
    super('INVALID_NUMBER_EVENTS', `Number events rejected: ${rejected} bad line(s); first at line ${first.line}, ${first.field}: ${first.message}`);
    this.name = 'NumberEventsRejectedError';
    this.issues = issues;
    this.line = first.line;
    this.field = first.field;
    this.rejected = rejected;
  }
}
