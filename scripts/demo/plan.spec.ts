import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, addJalaliMonthsIso, assess, policyAt, wageBounds, type ApplicantFacts } from '@app/contracts-domain';
import { buildPlan, daysBetween, lastDayOf, pickPeople, type Action, type DemoPlan } from './plan';

const registry = JSON.parse(readFileSync(join(__dirname, '../../libs/registry/sample/registry.json'), 'utf8')) as ApplicantFacts[];
const firstDay = '2026-12-01';
const plan = buildPlan(registry, { seed: 1, people: 300, firstDay });

const actionsOf = (p: DemoPlan, person: string) =>
  p.scenes.flatMap((scene) => scene.actions.filter((a) => a.person === person).map((action) => ({ day: scene.day, at: scene.at, action })));
const kinds = (p: DemoPlan, kind: Action['kind']) => p.scenes.flatMap((s) => s.actions.filter((a) => a.kind === kind));

describe('demo plan', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(buildPlan(registry, { seed: 1, people: 300, firstDay })).toEqual(plan);
    expect(buildPlan(registry, { seed: 2, people: 300, firstDay })).not.toEqual(plan);
  });

  it('takes the number of people asked for, each once, at most the whole registry', () => {
    expect(new Set(plan.people.map((p) => p.nationalCode)).size).toBe(300);
    expect(buildPlan(registry, { seed: 1, people: 10_000, firstDay }).people).toHaveLength(registry.length);
  });

  it("keeps a person's story when others join: draws are keyed by person", () => {
    const small = buildPlan(registry, { seed: 1, people: 50, firstDay });
    expect(pickPeople(registry, 50, 1)).toEqual(pickPeople(registry, 300, 1).slice(0, 50));
    for (const person of small.people.slice(0, 10)) {
      expect(actionsOf(small, person.nationalCode)).toEqual(actionsOf(plan, person.nationalCode));
    }
  });

  it('moves the clock forwards only, from the first day to the last', () => {
    const instants = plan.scenes.map((s) => s.at);
    expect([...instants].sort()).toEqual(instants);
    expect(new Set(instants).size).toBe(instants.length);
    expect(plan.scenes[0].at >= '2026-12-01T06:00:00.000Z').toBe(true);
    expect(plan.scenes[plan.scenes.length - 1].day).toBe(plan.lastDay);
    // past the exam deadline of a contract concluded in the first week
    expect(addDays(firstDay, plan.lastDay) > addJalaliMonthsIso(addDays(firstDay, 7), 2)).toBe(true);
    expect(lastDayOf(firstDay)).toBe(plan.lastDay);
  });

  it('follows the rules: refused people only apply; minors and guardianship at their own branch with the documents', () => {
    const byCode = new Map(registry.map((f) => [f.nationalCode, f]));
    for (const person of plan.people) {
      const story = actionsOf(plan, person.nationalCode);
      expect(story[0].action.kind).toBe('apply');
      if (person.path === 'refused') expect(story).toHaveLength(1);
      const visit = story.find((s) => s.action.kind === 'branchOpen');
      // a branch person who applies in the last days may not have had their visit yet
      if (person.path !== 'branch') expect(visit).toBeUndefined();
      if (person.path === 'branch' && !visit) expect(story[0].day).toBeGreaterThan(plan.lastDay - 3);
      if (visit?.action.kind === 'branchOpen') {
        const facts = byCode.get(person.nationalCode)!;
        expect(visit.action.branchId).toBe(facts.branchId);
        const required = assess(facts, addDays(firstDay, visit.day), policyAt(firstDay)).requiredDocuments;
        expect(visit.action.documents).toEqual(expect.arrayContaining([...required, 'identity']));
      }
    }
    expect(kinds(plan, 'branchOpen').length).toBeGreaterThan(0);
    expect(plan.people.filter((p) => p.path === 'refused').length).toBeGreaterThan(0);
  });

  it('plans wage changes before the first payment (a few after it, to be refused) and exam steps in order', () => {
    for (const person of plan.people) {
      const story = actionsOf(plan, person.nationalCode);
      const pay = story.find((s) => s.action.kind === 'pay');
      const wages = story.filter((s) => s.action.kind === 'changeWage');
      if (pay) expect(wages.filter((w) => w.at > pay.at).length).toBeLessThanOrEqual(1);
      const order = story.map((s) => s.action.kind).filter((k) => k !== 'changeWage');
      const expected = ['apply', 'branchOpen', 'pay', 'referral', 'examResult', 'determination'].filter((k) => (order as string[]).includes(k));
      expect(order).toEqual(expected);
      if (story.some((s) => s.action.kind === 'referral')) expect(person.exam).toBe('required');
    }
    expect(kinds(plan, 'changeWage').length).toBeGreaterThan(0);
    expect(kinds(plan, 'referral').length).toBeGreaterThan(0);
    expect(kinds(plan, 'determination').length).toBeGreaterThan(0);
  });

  it('asks for premiums in the allowed range, in round amounts', () => {
    const { minPremium, maxPremium } = wageBounds(policyAt(firstDay), 1405);
    for (const action of [...kinds(plan, 'apply'), ...kinds(plan, 'changeWage')]) {
      if (action.kind !== 'apply' && action.kind !== 'changeWage') continue;
      expect(action.premium).toBeGreaterThanOrEqual(minPremium);
      expect(action.premium).toBeLessThanOrEqual(maxPremium);
    }
    expect(daysBetween('2026-12-01', '2027-02-01')).toBe(62);
  });
});
