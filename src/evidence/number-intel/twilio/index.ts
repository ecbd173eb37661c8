// recycled-number-guard/twilio: Twilio Lookup v2 (reassigned_number, sim_swap, line_type_intelligence)
// and the daily US deactivations file.
export { twilioLookup, twilioLookupClient, twilioReassignedNumber, twilioSimSwap, twilioLookupResponseSchema, isoDurationMs, yyyymmdd, TWILIO_LOOKUP_FIELDS } from './lookup.js';
export type {
  TwilioLookupClient,
  TwilioLookupField,
  TwilioLookupInfo,
  TwilioLookupOptions,
  TwilioLookupProviderOptions,
  TwilioLookupRequest,
  TwilioLookupResult,
} from './lookup.js';
