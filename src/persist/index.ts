// `recycled-number-guard/store`: what a store author needs. The contract, the reference memory
// store, the profile merge every store must reproduce (checked by `describeStoreConformance` in
// `/testing`), and the records a store keeps.
export { memoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { mergeProfile, emptyProfile, DEFAULT_PROFILE_LIMITS } from './merge-profile.js';
export type {
  AccountProfile,
  CachedIntel,
  DeviceRecord,
  FailedStepUp,
  LastLogin,
  LocationRecord,
  NumberEvent,
  PendingDecision,
  ProfileLimits,
  ProfilePatch,
  Protection,
  ProtectionActor,
  ProtectionReason,
  Store,
  StoreCapabilities,
  StoreKeys,
  StoreSnapshot,
  StoreWrite,
} from './types.js';
export { CorruptStoreDataError } from '../errors/corrupt-store-data-error.js';
