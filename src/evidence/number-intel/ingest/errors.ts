export { NumberEventsRejectedError, type IngestIssue } from '../../../errors/number-events-rejected-error.js';
