// recycled-number-guard/twilio: Twilio Lookup v2 (reassigned_number, sim_swap, line_type_intelligence)
// and the daily US deactivations file.
export {
  isoDurationMs,
  twilioLookup,
  twilioLookupClient,
  twilioLookupResponseSchema,
  twilioReassignedNumber,
  twilioSimSwap,
  TWILIO_LOOKUP_FIELDS,
  yyyymmdd,
} from './lookup.js';
export type {
  TwilioLookupClient,
  TwilioLookupField,
  TwilioLookupInfo,
  TwilioLookupOptions,
  TwilioLookupProviderOptions,
  TwilioLookupRequest,
  TwilioLookupResult,
} from './lookup.js';
export { fetchDeactivations, deactivationsDate, TWILIO_DATE_TOO_OLD } from './deactivations.js';
export type { DeactivationsProgress, DeactivationsResult, FetchDeactivationsOptions, NumberEventSink } from './deactivations.js';
export { DeactivationsAuthError } from '../../../errors/deactivations-auth-error.js';
export { DeactivationsDateTooOldError } from '../../../errors/deactivations-date-too-old-error.js';
export { DeactivationsTruncatedError } from '../../../errors/deactivations-truncated-error.js';
export { DeactivationsUnavailableError } from '../../../errors/deactivations-unavailable-error.js';
