/**
 * Every network provider adapter, described once for the suites that must hold for all of them
 * (faults.test.ts, documented-errors.test.ts). A new adapter is covered by adding one entry.
 */
import type { NumberIntelProvider } from 'recycled-number-guard';
import {
  camaraDeviceSwap,
  camaraKycMatch,
  camaraKycTenure,
  camaraNumberRecycling,
  camaraSimSwap,
  createCamaraClient,
  hostToken,
  type CamaraClient,
} from 'recycled-number-guard/camara';
import { telesignNumberDeactivation } from 'recycled-number-guard/telesign';
import { twilioReassignedNumber, twilioSimSwap } from 'recycled-number-guard/twilio';
import { vonageSimSwap } from 'recycled-number-guard/vonage';

/** A documented error: what the vendor sends, and the typed outcome the adapter must give. */
export interface DocumentedError {
  label: string;
  status: number;
  body: unknown;
  /** The `unavailable` code, or `mismatch` where the vendor's error is itself evidence (KYC Match). */
  typed: string;
}

export interface ProviderCase {
  /** The source name its answers carry. */
  name: string;
  make(url: string): NumberIntelProvider;
  /** A 200 body this adapter must refuse as malformed. */
  wrongShape: unknown;
  /** The vendor's error envelope for a status, as its documentation shows it. */
  errorBody(status: number, code?: string | number, message?: string): unknown;
  documented: DocumentedError[];
}

const camaraClient = (url: string): CamaraClient => createCamaraClient({ apiRoot: url, auth: hostToken({ legs: 2, token: () => 'access-token' }) });
const camaraError = (status: number, code = 'INTERNAL', message = 'x') => ({ status, code, message });

/** Error codes per status of each CAMARA API's OpenAPI file (Fall25 releases), for the operation the adapter calls. */
const CAMARA_COMMON: [number, string][] = [
  [400, 'INVALID_ARGUMENT'],
  [400, 'OUT_OF_RANGE'],
  [401, 'UNAUTHENTICATED'],
  [403, 'PERMISSION_DENIED'],
  [404, 'IDENTIFIER_NOT_FOUND'],
  [422, 'SERVICE_NOT_APPLICABLE'],
  [422, 'MISSING_IDENTIFIER'],
  [422, 'UNNECESSARY_IDENTIFIER'],
];
const camaraDocumented = (extra: [number, string][] = [], typed: (code: string) => string = (code) => code): DocumentedError[] =>
  [...CAMARA_COMMON, ...extra].map(([status, code]) => ({
    label: `${status} ${code}`,
    status,
    body: camaraError(status, code, `${code} from the operator`),
    typed: typed(code),
  }));
const rateLimited = (code: string) => (code === 'QUOTA_EXCEEDED' || code === 'TOO_MANY_REQUESTS' ? 'rate_limited' : code);

const IDENTITY = { idDocument: '66666666q', name: 'Federica Sanchez Arjona', birthdate: '1978-08-22' };

/** Twilio's REST error envelope (Twilio API responses; error dictionary codes). */
const twilioError = (status: number, code: number | string = status * 100, message = 'Twilio error') => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});
const TWILIO_HTTP: DocumentedError[] = [
  { label: '400 (21211 invalid number)', status: 400, body: twilioError(400, 21211, "Invalid 'To' Phone Number"), typed: 'INVALID_ARGUMENT' },
  { label: '401 (20003 authenticate)', status: 401, body: twilioError(401, 20003, 'Authenticate'), typed: 'UNAUTHENTICATED' },
  { label: '403 (20403 forbidden)', status: 403, body: twilioError(403, 20403, 'Forbidden'), typed: 'PERMISSION_DENIED' },
  { label: '404 (20404 not found)', status: 404, body: twilioError(404, 20404, 'The requested resource was not found'), typed: 'NOT_FOUND' },
  { label: '429 (20429 too many requests)', status: 429, body: twilioError(429, 20429, 'Too Many Requests'), typed: 'rate_limited' },
  { label: '500 (20500 internal error)', status: 500, body: twilioError(500, 20500, 'Internal Server Error'), typed: 'HTTP_500' },
  { label: '503 (20503 unavailable)', status: 503, body: twilioError(503, 20503, 'Service Unavailable'), typed: 'HTTP_503' },
];
/** Field-level `error_code` values of Lookup v2 (Twilio error dictionary, 606xx). */
const TWILIO_FIELD: [number, string][] = [
  [60601, 'SERVICE_NOT_APPLICABLE'],
  [60606, 'PERMISSION_DENIED'],
  [60607, 'SERVICE_NOT_APPLICABLE'],
  [60608, 'PROVIDER_ERROR'],
  [60610, 'SERVICE_NOT_APPLICABLE'],
  [60614, 'REGION_MISMATCH'],
  [60619, 'REGION_MISMATCH'],
  [60620, 'NO_DATA'],
];

/** Telesign's error object (Phone ID API reference). */
const telesignError = (code: number, description: string) => ({
  reference_id: '0123456789ABCDEF0123456789ABCDEF',
  status: { updated_on: '2024-02-01T00:33:34.860418Z', code, description },
});
const TELESIGN_HTTP: [number, number, string, string][] = [
  [400, 10032, 'Request blocked due to this number appearing on a Telesign blocklist.', 'SERVICE_NOT_APPLICABLE'],
  [400, 10033, 'Unverified phone_number requested for trial account.', 'PERMISSION_DENIED'],
  [400, 10041, 'Blocked due to legal compliance', 'SERVICE_NOT_APPLICABLE'],
  [400, 11000, 'Invalid value for parameter phone_number', 'UNSUPPORTED_IDENTIFIER'],
  [400, 11001, 'Invalid country code for parameter phone_number', 'UNSUPPORTED_IDENTIFIER'],
  [400, 12000, 'Missing required parameter phone_number', 'INVALID_ARGUMENT'],
  [401, 10008, 'Invalid signature', 'UNAUTHENTICATED'],
  [401, 10012, 'This feature is not enabled for this CustomerID', 'PERMISSION_DENIED'],
  [401, 10013, 'Invalid Request. CustomerID Account Not Found', 'UNAUTHENTICATED'],
  [401, 10014, 'Invalid source IP address', 'UNAUTHENTICATED'],
  [401, 10015, 'Invalid customer ID', 'UNAUTHENTICATED'],
  [402, 10030, 'Insufficient funds in prepaid wallet', 'PAYMENT_REQUIRED'],
  [404, 10017, 'Customer ID / Reference ID not found', 'UNAUTHENTICATED'],
  [429, 10019, 'Rate Limit Exceeded', 'rate_limited'],
  [429, 10020, 'PhoneId Standard exceeded transaction hard cap. Request denied.', 'rate_limited'],
  [500, -90001, 'Transaction not attempted', 'HTTP_500'],
  [503, -10000, 'System unavailable. Please try again later.', 'HTTP_503'],
];
const TELESIGN_ATTRIBUTE: [number, string][] = [
  [2801, 'INVALID_ARGUMENT'],
  [2802, 'UNAVAILABLE'],
  [2803, 'SERVICE_NOT_APPLICABLE'],
  [2804, 'SERVICE_NOT_APPLICABLE'],
  [2805, 'NO_DATA'],
  [2806, 'PERMISSION_DENIED'],
  [2807, 'INVALID_ARGUMENT'],
];

/** RFC 7807 problem details, as Vonage APIs answer errors (Vonage API errors reference). */
const vonageProblem = (kind: string, title: string) => ({
  type: `https://developer.vonage.com/api-errors#${kind}`,
  title,
  detail: title,
  instance: '868cf2e9-bd6d-4bac-96ba-2b08120d8cf9',
});
const VONAGE_HTTP: [number, string, string, string][] = [
  [400, 'invalid-params', 'Invalid parameters', 'INVALID_ARGUMENT'],
  [400, 'invalid-json', 'Malformed JSON', 'INVALID_ARGUMENT'],
  [401, 'unauthorized', 'You did not provide correct credentials', 'UNAUTHENTICATED'],
  [401, 'jwt-expired', 'The JWT provided has expired', 'UNAUTHENTICATED'],
  [401, 'jwt-revoked', 'The JWT provided has been revoked', 'UNAUTHENTICATED'],
  [402, 'low-balance', 'Your account balance is low', 'PAYMENT_REQUIRED'],
  [403, 'forbidden', 'Your account does not have permission', 'PERMISSION_DENIED'],
  [403, 'unprovisioned', 'The credentials do not have access to the product', 'PERMISSION_DENIED'],
  [404, 'not-found', 'The requested resource does not exist', 'ENDPOINT_NOT_FOUND'],
  [429, 'throttled', 'Too many requests', 'rate_limited'],
  [500, 'internal-error', 'Internal error', 'HTTP_500'],
];
const VONAGE_INSIGHT: [string, string][] = [
  ['INVALID_NUMBER_FORMAT', 'UNSUPPORTED_IDENTIFIER'],
  ['UNSUPPORTED_NETWORK_TYPE', 'SERVICE_NOT_APPLICABLE'],
  ['NO_COVERAGE', 'SERVICE_NOT_APPLICABLE'],
  ['NOT_FOUND', 'NOT_FOUND'],
  ['OUT_OF_RANGE', 'OUT_OF_RANGE'],
  ['UNAUTHORIZED', 'PERMISSION_DENIED'],
  ['INVALID_PURPOSE', 'PERMISSION_DENIED'],
  ['SUPPLIER_ERROR', 'PROVIDER_ERROR'],
  ['INTERNAL_ERROR', 'PROVIDER_ERROR'],
];

const twilio = { username: 'ACtest', password: 'auth-token' };
const twilioDocumented = (field: 'reassigned_number' | 'sim_swap'): DocumentedError[] => [
  ...TWILIO_HTTP,
  ...TWILIO_FIELD.map(([code, typed]) => ({
    label: `200 with ${field}.error_code ${code}`,
    status: 200,
    body: {
      phone_number: '+14155552671',
      valid: true,
      [field]:
        field === 'reassigned_number'
          ? { last_verified_date: null, is_number_reassigned: null, error_code: String(code) }
          : { last_sim_swap: null, error_code: code },
    },
    typed,
  })),
];

export const PROVIDERS: ProviderCase[] = [
  {
    name: 'camara-number-recycling',
    make: (url) => camaraNumberRecycling(camaraClient(url)),
    wrongShape: { recycled: true },
    errorBody: camaraError,
    documented: camaraDocumented(),
  },
  {
    name: 'camara-kyc-tenure',
    make: (url) => camaraKycTenure(camaraClient(url)),
    wrongShape: { tenure: true },
    errorBody: camaraError,
    documented: camaraDocumented(),
  },
  {
    name: 'camara-sim-swap',
    make: (url) => camaraSimSwap(camaraClient(url)),
    wrongShape: { latestSimChange: 'yesterday' },
    errorBody: camaraError,
    documented: camaraDocumented(
      [
        [404, 'NOT_FOUND'],
        [429, 'QUOTA_EXCEEDED'],
        [429, 'TOO_MANY_REQUESTS'],
      ],
      rateLimited,
    ),
  },
  {
    name: 'camara-device-swap',
    make: (url) => camaraDeviceSwap(camaraClient(url)),
    wrongShape: { latestDeviceChange: 42 },
    errorBody: camaraError,
    documented: camaraDocumented(
      [
        [404, 'NOT_FOUND'],
        [429, 'QUOTA_EXCEEDED'],
        [429, 'TOO_MANY_REQUESTS'],
      ],
      rateLimited,
    ),
  },
  {
    name: 'camara-kyc-match',
    make: (url) => camaraKycMatch(camaraClient(url), { identityFor: () => IDENTITY }),
    wrongShape: { nameMatch: 'yes' },
    errorBody: camaraError,
    documented: [
      ...camaraDocumented([
        [404, 'NOT_FOUND'],
        [400, 'KNOW_YOUR_CUSTOMER.INVALID_PARAM_COMBINATION'],
        [403, 'INVALID_TOKEN_CONTEXT'],
        [403, 'KNOW_YOUR_CUSTOMER.ID_DOCUMENT_REQUIRED'],
      ]).filter((error) => !/OUT_OF_RANGE|UNNECESSARY_IDENTIFIER/.test(error.label)),
      // The operator's subscriber does not hold the document on file: a mismatch, which is evidence.
      {
        label: '403 KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH',
        status: 403,
        body: camaraError(403, 'KNOW_YOUR_CUSTOMER.ID_DOCUMENT_MISMATCH', 'mismatch'),
        typed: 'mismatch',
      },
    ],
  },
  {
    name: 'twilio-reassigned-number',
    make: (url) => twilioReassignedNumber({ ...twilio, baseUrl: url }),
    wrongShape: { reassigned_number: { is_number_reassigned: 'maybe' } },
    errorBody: (status, code, message) => twilioError(status, code, message),
    documented: twilioDocumented('reassigned_number'),
  },
  {
    name: 'twilio-sim-swap',
    make: (url) => twilioSimSwap({ ...twilio, baseUrl: url }),
    wrongShape: { sim_swap: { last_sim_swap: { last_sim_swap_date: 'last week' } } },
    errorBody: (status, code, message) => twilioError(status, code, message),
    documented: twilioDocumented('sim_swap'),
  },
  {
    name: 'telesign-number-deactivation',
    make: (url) => telesignNumberDeactivation({ customerId: 'customer', apiKey: 'key', baseUrl: url }),
    wrongShape: { number_deactivation: { status: { code: '2800' } } },
    errorBody: (_status, code = -90001, message = 'Transaction not attempted') => telesignError(Number(code), message),
    documented: [
      ...TELESIGN_HTTP.map(([status, code, description, typed]) => ({ label: `${status} (${code})`, status, body: telesignError(code, description), typed })),
      ...TELESIGN_ATTRIBUTE.map(([code, typed]) => ({
        label: `200 with number_deactivation status ${code}`,
        status: 200,
        body: {
          reference_id: 'F0123456789ABCDEF0123456789ABCDE',
          status: { code: 301, description: 'Transaction partially completed' },
          number_deactivation: { status: { code, description: 'x' } },
        },
        typed,
      })),
    ],
  },
  {
    name: 'vonage-sim-swap',
    make: (url) => vonageSimSwap({ auth: { token: () => 'host-jwt' }, baseUrl: url }),
    wrongShape: { request_id: 'x', sims: [] },
    errorBody: (_status, code = 'internal-error', message = 'Internal error') => vonageProblem(String(code), message),
    documented: [
      ...VONAGE_HTTP.map(([status, kind, title, typed]) => ({ label: `${status} ${kind}`, status, body: vonageProblem(kind, title), typed })),
      ...VONAGE_INSIGHT.map(([code, typed]) => ({
        label: `200 with sim_swap status ${code}`,
        status: 200,
        body: {
          request_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
          insights: { sim_swap: { latest_sim_swap_at: null, is_swapped: null, status: { code, message: 'x' } } },
        },
        typed,
      })),
    ],
  },
];
