/**
 * The label scenarios the report titles: the simulator's (docs/evaluation.md), which a host's own
 * labels may reuse. A scenario not listed here is shown by its name alone.
 */
export type LegitScenario = 'L0' | 'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6' | 'L7' | 'L8' | 'L9';
export type TakeoverScenario = 'A1' | 'A2' | 'A3' | 'A4' | 'A5';
export type Scenario = LegitScenario | TakeoverScenario;

export const SCENARIO_TITLES: Record<Scenario, string> = {
  L0: 'routine login',
  L1: 'new phone, same number',
  L2: 'browser / OS update only',
  L3: 'trip (plausible travel speed)',
  L4: 'VPN on/off',
  L5: 'return after long dormancy',
  L6: 'dormant return + new phone + moved city',
  L7: 'owner port-out / SIM replacement',
  L8: 'number recycled before the owner bound it',
  L9: 'owner re-bound a new number',
  A1: 'accidental new holder',
  A2: 'recycled-number hunter',
  A3: 'targeted ex-owner attack',
  A4: 'SIM swap on an active account (control)',
  A5: 'adaptive hunter',
};
