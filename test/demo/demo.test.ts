import { beforeAll, describe, expect, it } from 'vitest';
import { formatDemo } from '../../src/cli/commands/demo.js';
import { runDemo, type StoryResult } from '../../src/cli/demo/stories.js';

let results: StoryResult[];
const story = (id: string) => {
  const found = results.find((result) => result.story.id === id);
  if (!found) throw new Error(`no story ${id}`);
  return found.decisions;
};
const codes = (decision: { reasons: { code: string }[] }) => decision.reasons.map((reason) => reason.code);

beforeAll(async () => {
  results = await runDemo();
});

describe('the seed stories', () => {
  it('a new subscriber on a 3-year-old binding is stepped up; a leaked password is not enough, and failing the ID check gets him offered a fresh account', () => {
    const [{ decision, outcome }] = story('new-subscriber') as [StoryResult['decisions'][number]];
    expect(decision.action).toBe('step_up');
    expect(codes(decision)[0]).toBe('dormant_beyond_aging');
    expect(codes(decision)).toContain('number_intel_unavailable');
    expect(decision.stepUp!.anyOf).toEqual([['face'], ['id_match']]);
    expect(outcome).toMatchObject({ action: 'deny', satisfied: false });
    expect(outcome!.advice).toMatchObject({ newHolder: 'offer_new_account', previousHolder: 'protect_account' });
  });

  it('with carrier evidence the number changed hands: never allow, and both victims get advice', () => {
    const [{ decision }] = story('new-subscriber-carrier') as [StoryResult['decisions'][number]];
    expect(decision.action).not.toBe('allow');
    expect(decision.numberChangedHands).toBe('yes');
    expect(codes(decision)[0]).toBe('number_reissued_after_binding');
    expect(decision.evidence.intelSources).toEqual(['carrier-records']);
    expect(decision.advice).toMatchObject({ newHolder: 'offer_new_account', previousHolder: 'protect_account' });
  });

  it('"register" on a bound number is stopped and the holder is offered a fresh account', () => {
    const [{ decision }] = story('register-taken') as [StoryResult['decisions'][number]];
    expect(decision.action).not.toBe('allow');
    expect(codes(decision)).toContain('register_on_bound_number');
    expect(decision.advice.newHolder).toBe('offer_new_account');
  });

  it('the owner who moved: the new holder is stopped, the owner later gets in with his password from the new city', () => {
    const [intruder, owner] = story('moved-cities') as [StoryResult['decisions'][number], StoryResult['decisions'][number]];
    expect(intruder.decision.action).toBe('step_up');
    expect(codes(intruder.decision)).toEqual(expect.arrayContaining(['new_device', 'dormant_beyond_aging', 'device_class_change']));
    expect(intruder.outcome).toMatchObject({ action: 'deny' });
    expect(owner.decision.action).toBe('allow');
    expect(codes(owner.decision)).toEqual(expect.arrayContaining(['strong_factor_verified', 'new_region', 'recent_failed_step_up']));
    expect(owner.decision.advice.previousHolder).toBe('review_binding');
  });

  it("a copycat with the owner's user agent and city after 200 days is stepped up: copied evidence does not count", () => {
    const [{ decision, outcome }] = story('mimic') as [StoryResult['decisions'][number]];
    expect(decision.action).toBe('step_up');
    expect(decision.numberChangedHands).toBe('likely');
    expect(codes(decision)).toContain('continuity_unproven');
    for (const code of ['known_device_class', 'known_region']) {
      const reason = decision.reasons.find((candidate) => candidate.code === code);
      expect(reason, code).toBeDefined();
      expect(reason!.effect).toBe(0);
      expect(reason!.details).toMatchObject({ forgeable: true });
    }
    expect(outcome).toMatchObject({ action: 'deny', satisfied: false });
  });

  it('the owner back after 200 days on the phone he vouched for gets in without friction', () => {
    const [{ decision }] = story('return-vouched') as [StoryResult['decisions'][number]];
    expect(decision.action).toBe('allow');
    expect(codes(decision)).toEqual(expect.arrayContaining(['dormant_beyond_aging', 'vouched_device']));
    expect(codes(decision)).not.toContain('continuity_unproven');
  });

  it('routine owner login: allowed without friction', () => {
    const [{ decision }] = story('routine') as [StoryResult['decisions'][number]];
    expect(decision.action).toBe('allow');
    expect(decision.numberChangedHands).toBe('no');
    expect(decision.risk).toBeLessThan(0.0001);
  });

  it('owner on a new phone who logged in last week: allowed, the new device is named', () => {
    const [{ decision }] = story('new-phone') as [StoryResult['decisions'][number]];
    expect(decision.action).toBe('allow');
    expect(codes(decision)).toEqual(expect.arrayContaining(['new_device', 'recent_owner_proof']));
  });

  it('owner travelling abroad: allowed, the new country is named', () => {
    const [{ decision }] = story('abroad') as [StoryResult['decisions'][number]];
    expect(decision.action).toBe('allow');
    expect(codes(decision)).toContain('new_country');
  });

  it('the owner who lost his number freezes with his password: the SMS code alone then meets a strong step-up, and failing it denies', () => {
    const [{ decision, outcome, freeze }] = story('freeze') as [StoryResult['decisions'][number]];
    expect(freeze).toMatchObject({ frozen: true, reason: 'frozen' });
    expect(decision.action).toBe('step_up');
    expect(codes(decision)).toContain('account_protected');
    expect(decision.advice).toMatchObject({ newHolder: 'offer_new_account', previousHolder: 'protect_account' });
    expect(outcome).toMatchObject({ action: 'deny', satisfied: false });
  });

  it("the new holder gets the number released on the carrier's word, registers, and the old account stays shut to the SMS code", () => {
    const [taken, fresh, old] = story('release') as [StoryResult['decisions'][number], StoryResult['decisions'][number], StoryResult['decisions'][number]];
    expect(taken.decision.action).not.toBe('allow');
    expect(taken.decision.numberChangedHands).toBe('yes');
    expect(taken.release).toMatchObject({
      released: [{ accountId: 'drive-1010', evidence: { rule: 'carrier_confirmed', sources: ['carrier-records'] } }],
      refused: [],
    });
    expect(fresh.decision.action).toBe('allow');
    expect(old.decision.action).not.toBe('allow');
    expect(codes(old.decision)).toContain('account_protected');
  });

  it('prints a table with one row per decision and outcome', () => {
    const table = formatDemo(results);
    const lines = table.split('\n');
    const rows = results.reduce(
      (count, result) => count + result.decisions.reduce((n, d) => n + (d.outcome ? 2 : 1) + (d.freeze ? 1 : 0) + (d.release ? 1 : 0), 0),
      0,
    );
    expect(lines).toHaveLength(rows + 2);
    expect(lines[0]).toMatch(/^scenario\s+action\s+risk/);
  });
});
