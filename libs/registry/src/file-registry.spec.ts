import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRegistry, parseRegistry, RegistryFileError } from './file-registry';

const SAMPLE = join(__dirname, '..', 'sample', 'registry.json');

const valid = (overrides: Record<string, unknown> = {}) => ({
  nationalCode: '0084575948',
  firstName: 'مریم',
  lastName: 'احمدی',
  birthDate: '1990-04-12',
  gender: 'female',
  mobile: '09123456789',
  address: 'تهران، خیابان ولیعصر',
  branchId: '1001',
  provinceCode: '10',
  contributionDays: 800,
  lastContributionDate: '2026-10-01',
  currentlyInsured: false,
  mainInsured: true,
  underGuardianship: false,
  selfEmployedContract: false,
  ...overrides,
});

function problemOf(json: unknown): string {
  try {
    parseRegistry(json, 'people.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryFileError);
    return (error as Error).message;
  }
  throw new Error('expected the registry to be refused');
}

describe('FileRegistry', () => {
  it('loads the committed sample and finds people by national code', async () => {
    const registry = await FileRegistry.load(SAMPLE);
    expect(registry.size).toBeGreaterThanOrEqual(300);
    const first = await registry.findByNationalCode('0089216091');
    expect(first).toMatchObject({ nationalCode: '0089216091', mainInsured: true });
    expect(await registry.findByNationalCode('0084575948')).toBeUndefined();
  });

  it('keeps only the known fields, frozen', () => {
    const [record] = parseRegistry([valid({ internalNote: 'x' })], 'people.json');
    expect(record).not.toHaveProperty('internalNote');
    expect(Object.isFrozen(record)).toBe(true);
  });

  it('refuses invalid national codes, naming the record and never the value', () => {
    const message = problemOf([valid(), valid({ nationalCode: '0084575949' })]);
    expect(message).toContain('record [1]: nationalCode must be a valid 10-digit national code');
    expect(message).not.toContain('0084575949');
    expect(problemOf([valid({ nationalCode: '1111111111' })])).toContain('record [0]: nationalCode');
    expect(problemOf([valid({ nationalCode: 84575948 })])).toContain('record [0]: nationalCode');
  });

  it('lists every problem of every bad record', () => {
    const message = problemOf([valid({ gender: 'm', mobile: '+9891234567' }), valid({ nationalCode: '0067749828', contributionDays: -1 }), 'someone']);
    expect(message).toContain('people.json: 3 invalid record(s)');
    expect(message).toContain('record [0]: gender must be "male" or "female"; mobile must be an Iranian mobile number (09xxxxxxxxx, +989…, 00989…, +98 09…)');
    expect(message).toContain('record [1]: contributionDays must be a non-negative integer');
    expect(message).toContain('record [2]: not an object');
  });

  it('refuses missing fields, wrong types and inconsistent history', () => {
    const { lastName: _dropped, ...withoutLastName } = valid();
    expect(problemOf([withoutLastName])).toContain('lastName is missing');
    expect(problemOf([valid({ currentlyInsured: 'no' })])).toContain('currentlyInsured must be true or false');
    expect(problemOf([valid({ birthDate: '1990-02-30' })])).toContain('birthDate must be an ISO date');
    expect(problemOf([valid({ lastContributionDate: null })])).toContain('lastContributionDate is required when contributionDays > 0');
    expect(parseRegistry([valid({ contributionDays: 0, lastContributionDate: null })], 'people.json')).toHaveLength(1);
  });

  it('takes a mobile in any form an applicant may type, and keeps it as 09xxxxxxxxx', () => {
    const people = parseRegistry([valid({ mobile: '+98 912 345 6789' }), valid({ nationalCode: '0067749828', mobile: '۰۰۹۸۹۱۲۳۴۵۶۷۸۹' })], 'people.json');
    expect(people.map((person) => person.mobile)).toEqual(['09123456789', '09123456789']);
    expect(problemOf([valid({ mobile: '+1 212 555 0100' })])).toContain('record [0]: mobile must be an Iranian mobile number');
  });

  it('refuses a national code listed twice', () => {
    expect(problemOf([valid(), valid({ mobile: '09350000000' })])).toContain('record [1]: same nationalCode as record [0]');
  });

  it('refuses a file that is not a JSON array of people', async () => {
    expect(problemOf({ people: [] })).toContain('expected a JSON array');
    const dir = mkdtempSync(join(tmpdir(), 'registry-'));
    writeFileSync(join(dir, 'broken.json'), '[{"nationalCode": ');
    await expect(FileRegistry.load(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(FileRegistry.load(join(dir, 'absent.json'))).rejects.toThrow(RegistryFileError);
  });
});
