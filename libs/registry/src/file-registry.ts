import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isIsoDate, isValidNationalCode, normaliseMobile, type ApplicantFacts } from '@app/contracts-domain';
import type { Registry } from './port';

export class RegistryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryFileError';
  }
}

/** Enough to fix a broken file in one pass without flooding the boot log. */
const MAX_REPORTED_PROBLEMS = 20;

/**
 * The registry from a JSON file (`REGISTRY_FILE`, format in API.md), checked record by record at
 * load: a bad file stops the boot with every problem named, instead of surfacing later as an odd
 * refusal for one applicant. Only the known fields are kept.
 */
export class FileRegistry implements Registry {
  private readonly byNationalCode: ReadonlyMap<string, ApplicantFacts>;

  constructor(records: readonly ApplicantFacts[]) {
    this.byNationalCode = new Map(records.map((record) => [record.nationalCode, record]));
  }

  static async load(path: string): Promise<FileRegistry> {
    const source = basename(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new RegistryFileError(`${source}: cannot read registry file ${path}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new RegistryFileError(`${source}: not valid JSON: ${(error as Error).message}`);
    }
    return new FileRegistry(parseRegistry(json, source));
  }

  get size(): number {
    return this.byNationalCode.size;
  }

  async findByNationalCode(nationalCode: string): Promise<ApplicantFacts | undefined> {
    return this.byNationalCode.get(nationalCode);
  }
}

/** Checks a parsed registry file; throws one error listing the records at fault (by index). */
export function parseRegistry(json: unknown, source: string): ApplicantFacts[] {
  if (!Array.isArray(json)) throw new RegistryFileError(`${source}: expected a JSON array of people`);
  const problems: string[] = [];
  const records: ApplicantFacts[] = [];
  const firstIndexOf = new Map<string, number>();
  json.forEach((raw: unknown, index) => {
    const found = recordProblems(raw);
    if (found.length > 0) {
      problems.push(`record [${index}]: ${found.join('; ')}`);
      return;
    }
    const record = pick(raw as Record<string, unknown>);
    const earlier = firstIndexOf.get(record.nationalCode);
    if (earlier !== undefined) {
      problems.push(`record [${index}]: same nationalCode as record [${earlier}]`);
      return;
    }
    firstIndexOf.set(record.nationalCode, index);
    records.push(record);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    throw new RegistryFileError(`${source}: ${problems.length} invalid record(s):\n  ${shown.join('\n  ')}${more}`);
  }
  return records;
}

type Check = (value: unknown) => boolean;

const nonEmptyString: Check = (v) => typeof v === 'string' && v.trim().length > 0;
const boolean: Check = (v) => typeof v === 'boolean';

/** A province code as the registry gives it (the dashboard's filter takes the same). */
export const PROVINCE_CODE = /^\d{1,4}$/;

/** Each field, and what it must be (messages name the field, never its value: it is personal). */
const FIELDS: Record<keyof ApplicantFacts, [Check, string]> = {
  nationalCode: [(v) => typeof v === 'string' && isValidNationalCode(v), 'must be a valid 10-digit national code'],
  firstName: [nonEmptyString, 'must be a non-empty string'],
  lastName: [nonEmptyString, 'must be a non-empty string'],
  birthDate: [isIsoDate, 'must be an ISO date (YYYY-MM-DD)'],
  gender: [(v) => v === 'male' || v === 'female', 'must be "male" or "female"'],
  // Any form the applicant may type (DOMAIN.md: +98, 0098, Persian digits), kept as 09xxxxxxxxx.
  mobile: [(v) => typeof v === 'string' && normaliseMobile(v) !== null, 'must be an Iranian mobile number (09xxxxxxxxx, +989…, 00989…, +98 09…)'],
  address: [nonEmptyString, 'must be a non-empty string'],
  branchId: [(v) => typeof v === 'string' && /^\d{1,10}$/.test(v), 'must be a string of digits'],
  provinceCode: [(v) => typeof v === 'string' && PROVINCE_CODE.test(v), 'must be a string of digits'],
  contributionDays: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'must be a non-negative integer'],
  lastContributionDate: [(v) => v === null || isIsoDate(v), 'must be an ISO date or null'],
  currentlyInsured: [boolean, 'must be true or false'],
  mainInsured: [boolean, 'must be true or false'],
  underGuardianship: [boolean, 'must be true or false'],
  selfEmployedContract: [boolean, 'must be true or false'],
};

const FIELD_NAMES = Object.keys(FIELDS) as (keyof ApplicantFacts)[];

function recordProblems(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['not an object'];
  const record = raw as Record<string, unknown>;
  const problems = FIELD_NAMES.flatMap((field) => {
    const [check, message] = FIELDS[field];
    if (!(field in record)) return [`${field} is missing`];
    return check(record[field]) ? [] : [`${field} ${message}`];
  });
  if (problems.length === 0 && record.contributionDays !== 0 && record.lastContributionDate === null) {
    problems.push('lastContributionDate is required when contributionDays > 0');
  }
  return problems;
}

function pick(record: Record<string, unknown>): ApplicantFacts {
  const facts = Object.fromEntries(FIELD_NAMES.map((field) => [field, record[field]]));
  return Object.freeze({ ...facts, mobile: normaliseMobile(record.mobile as string) }) as unknown as ApplicantFacts;
}
