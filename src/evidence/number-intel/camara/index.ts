// recycled-number-guard/camara: CAMARA (GSMA Open Gateway) number-intelligence adapters.
export { clientCredentials, hostToken, jwtBearer, DEFAULT_PURPOSE, TokenError } from './auth.js';
export type { AccessTokenSupplier, ClientCredentialsOptions, HostTokenOptions, JwtBearerOptions, TokenRequest } from './auth.js';
export type { SigningKey } from './jwt.js';
export { createCamaraClient, CAMARA_VERSIONS, X_CORRELATOR_PATTERN } from './client.js';
export type { CamaraApi, CamaraCall, CamaraClient, CamaraClientOptions, CamaraResult } from './client.js';
export {
  camaraDeviceSwap,
  camaraIdMatchCheck,
  camaraKycMatch,
  camaraKycTenure,
  camaraNumberRecycling,
  camaraSimSwap,
  checkNumberRecycling,
  checkTenure,
  kycIdentitySchema,
  matchIdentity,
  retrieveDeviceSwapDate,
  retrieveSimSwapDate,
} from './providers.js';
export type {
  CamaraProviderOptions,
  DeviceSwapInfo,
  IdMatchOptions,
  IdMatchResult,
  KycIdentity,
  KycMatchInfo,
  KycMatchProviderOptions,
  NumberRecyclingInfo,
  SimSwapInfo,
  SwapProviderOptions,
  TenureInfo,
} from './providers.js';
