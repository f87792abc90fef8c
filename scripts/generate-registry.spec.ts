import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, addJalaliMonthsIso, ageOn, type ApplicantFacts } from '@app/contracts-domain';
import { parseRegistry } from '@app/registry';
import { runCli } from './cli';
import { concludedOn, generateSample, main, REFERENCE_DATE, renderReadme, renderRegistry, SAMPLE_DIR, USAGE, type Expectation } from './generate-registry';

const root = join(__dirname, '..');
const committed = (name: string) => readFileSync(join(root, SAMPLE_DIR, name), 'utf8');

describe('the sample registry', () => {
  it('is exactly what the generator writes (regenerate with npm run registry:generate)', () => {
    const people = generateSample();
    expect(committed('registry.json')).toBe(renderRegistry(people));
    expect(committed('README.md')).toBe(renderReadme(people));
  });

  it('prints its usage for --help and refuses arguments, writing nothing (--help used to regenerate the files)', async () => {
    const out: string[] = [];
    const io = { stdout: (text: string) => out.push(`out:${text}`), stderr: (text: string) => out.push(`err:${text}`) };
    const write = jest.spyOn(process.stdout, 'write');
    try {
      expect(await runCli(USAGE, main, ['--help'], io)).toBe(0);
      expect(await runCli(USAGE, main, ['--out', 'x'], io)).toBe(2);
      expect(write).not.toHaveBeenCalledWith(expect.stringMatching(/^wrote /));
    } finally {
      write.mockRestore();
    }
    expect(out).toEqual([`out:${USAGE}\n`, `err:registry:generate: unexpected "--out" "x"\n${USAGE}\n`]);
  });

  // Everything below reads the committed file and asks the domain, not the generator's labels.
  const facts = parseRegistry(JSON.parse(committed('registry.json')), 'registry.json');
  const people = facts.map((f) => ({ f, c: concludedOn(f), age: ageOn(f.birthDate, REFERENCE_DATE), years: Math.floor(f.contributionDays / 365) }));
  type Row = (typeof people)[number];
  const only = (c: Expectation, ...reasons: string[]) => JSON.stringify(c.reasons) === JSON.stringify(reasons);
  const online = (c: Expectation) => c.branchVisit.length === 0;
  const lastWas = (f: ApplicantFacts, date: string) => f.lastContributionDate === date;
  const nineMonthsAgo = addJalaliMonthsIso(REFERENCE_DATE, -9);

  it('holds at least 300 valid people with distinct national codes and mobiles', () => {
    expect(facts.length).toBeGreaterThanOrEqual(300);
    expect(new Set(facts.map((f) => f.nationalCode)).size).toBe(facts.length);
    expect(new Set(facts.map((f) => f.mobile)).size).toBe(facts.length);
  });

  it('spreads people over several provinces and branches, each branch within its province', () => {
    expect(new Set(facts.map((f) => f.provinceCode)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(facts.map((f) => f.branchId)).size).toBeGreaterThanOrEqual(10);
    for (const f of facts) expect(f.branchId.startsWith(f.provinceCode)).toBe(true);
    expect(facts.every((f) => /[\u0600-\u06FF]/.test(f.firstName + f.lastName + f.address))).toBe(true);
  });

  const cases: [string, number, (p: Row) => boolean][] = [
    ['eligible online, exempt from the exam', 50, ({ c }) => only(c) && c.exam === 'exempt' && online(c)],
    ['eligible, exam required: under 365 days', 10, ({ f, c }) => only(c) && c.exam === 'required' && online(c) && f.contributionDays < 365],
    ['eligible, exam required: last contribution over 9 months ago', 10, ({ f, c }) => only(c) && c.exam === 'required' && f.contributionDays >= 365],
    ['exam boundary: exactly 365 days, last exactly 9 months ago: exempt', 1, ({ f, c }) => f.contributionDays === 365 && lastWas(f, nineMonthsAgo) && c.exam === 'exempt'],
    ['exam boundary: 9 months and a day: required', 1, ({ f, c }) => f.contributionDays >= 365 && lastWas(f, addDays(nineMonthsAgo, -1)) && c.exam === 'required'],
    ['insufficient history (< 30 days)', 10, ({ c }) => only(c, 'INSUFFICIENT_HISTORY')],
    ['exactly 29 days: insufficient', 1, ({ f, c }) => f.contributionDays === 29 && only(c, 'INSUFFICIENT_HISTORY')],
    ['exactly 30 days: eligible', 1, ({ f, c }) => f.contributionDays === 30 && only(c)],
    ['never contributed', 1, ({ f, c }) => f.contributionDays === 0 && f.lastContributionDate === null && only(c, 'INSUFFICIENT_HISTORY')],
    ['over 50 with enough years: eligible', 5, ({ age, years, c }) => age > 50 && years < 10 && only(c)],
    ['over 50 without enough years: AGE_LIMIT', 5, ({ age, c }) => age > 50 && only(c, 'AGE_LIMIT')],
    ['exactly 50: eligible', 1, ({ age, c }) => age === 50 && only(c)],
    ['turns 50 on the day: eligible', 1, ({ f, age, c }) => age === 50 && ageOn(f.birthDate, addDays(REFERENCE_DATE, -1)) === 49 && only(c)],
    ['turns 51 the day after: still eligible', 1, ({ f, age, c }) => age === 50 && ageOn(f.birthDate, addDays(REFERENCE_DATE, 1)) === 51 && only(c)],
    ['10+ years lift the age limit', 5, ({ age, years, c }) => years >= 10 && years < age - 50 && only(c)],
    ['currently insured', 5, ({ c }) => only(c, 'CURRENTLY_INSURED')],
    ['not main insured', 5, ({ c }) => only(c, 'NOT_MAIN_INSURED')],
    ['self-employed contract', 5, ({ c }) => only(c, 'SELF_EMPLOYED_CONTRACT')],
    ['minors 15–17: branch visit', 5, ({ age, c }) => age >= 15 && age < 18 && only(c) && c.branchVisit.includes('minor')],
    ['exactly 18: online', 1, ({ age, c }) => age === 18 && only(c) && online(c)],
    ['under 15: AGE_LIMIT and a minor', 3, ({ age, c }) => age < 15 && c.reasons.includes('AGE_LIMIT') && c.branchVisit.includes('minor')],
    ['under guardianship: branch visit', 5, ({ c }) => only(c) && c.branchVisit.includes('guardianship')],
    ['several reasons at once', 2, ({ c }) => c.reasons.length >= 3],
  ];

  it.each(cases)('covers: %s (at least %i)', (_name, atLeast, matches) => {
    expect(people.filter(matches).length).toBeGreaterThanOrEqual(atLeast);
  });

  it('names well-known people in the README who are what it says', () => {
    const readme = committed('README.md');
    const rows = [...readme.matchAll(/^\| `(\d{10})` \| [^|]+ \| ([^|]+) \| ([^|]+) \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const byCode = new Map(people.map((p) => [p.f.nationalCode, p]));
    for (const [, code, , outcome] of rows) {
      const person = byCode.get(code);
      expect(person).toBeDefined();
      expect(outcome.startsWith('eligible')).toBe(person!.c.reasons.length === 0);
    }
  });
});
