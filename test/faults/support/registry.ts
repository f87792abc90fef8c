import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assess, isValidNationalCode, policyAt, type ApplicantFacts } from '../../../libs/contracts-domain/src';
import { REFERENCE_INSTANT } from './service';

const SAMPLE = join(__dirname, '../../../libs/registry/sample/registry.json');

/** A valid 10-digit national code from a serial number (prefix 7, check digit computed). */
function nationalCodeFor(serial: number): string {
  const body = `7${String(serial).padStart(8, '0')}`;
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * (10 - i), 0);
  const r = sum % 11;
  return `${body}${r < 2 ? r : 11 - r}`;
}

/**
 * Writes a registry of `count` people who may conclude online without an exam on the reference
 * date: copies of the sample's eligible-exempt people under fresh national codes. The sample holds
 * about a hundred such people; load and soak tests open a contract per person, so they need more.
 * Returns the national codes in order.
 */
export async function writeLoadRegistry(path: string, count: number): Promise<string[]> {
  const date = REFERENCE_INSTANT.slice(0, 10);
  const policy = policyAt(date);
  const templates = (JSON.parse(readFileSync(SAMPLE, 'utf8')) as ApplicantFacts[]).filter((facts) => {
    const a = assess(facts, date, policy);
    return a.reasons.length === 0 && a.examRequirement === 'exempt' && a.branchVisitReasons.length === 0;
  });
  const people: ApplicantFacts[] = [];
  for (let serial = 1; people.length < count; serial++) {
    const nationalCode = nationalCodeFor(serial);
    if (isValidNationalCode(nationalCode)) people.push({ ...templates[people.length % templates.length]!, nationalCode });
  }
  await writeFile(path, JSON.stringify(people));
  return people.map((p) => p.nationalCode);
}
