/** One bad input line: where, which field, what is wrong. Never holds the phone number itself. */
export interface IngestIssue {
  /** 1-based line number in the file (the header is line 1), or record index + 1 for arrays. */
  line: number;
  /** `phone`, `type`, `date`, `source`, or `line` for the line as a whole. */
  field: string;
  message: string;
}

export { NumberEventsRejectedError } from '../../../errors/number-events-rejected-error.js';
