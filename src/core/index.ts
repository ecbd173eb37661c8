// `recycled-number-guard/core`: the pure scoring core (no I/O, no clock), its policies and
// weights, and the device parser, for custom pipelines, backtests and evaluation. The guard is
// built on these; a host that only assesses logins does not need them.
export { evaluate, evaluateNumber, intelSince } from './evaluate.js';
export type { CoreResult } from './evaluate.js';
export type { CoreInput, LoginInput } from './signals/index.js';
export { PRESETS, PRESET_NAMES, POLICY_VERSION, DEFAULT_MIN_AGING_DAYS } from './policy.js';
export type { Policy, Thresholds } from './policy.js';
export { DEFAULT_WEIGHTS } from './weights.js';
export type { Weights } from './weights.js';
