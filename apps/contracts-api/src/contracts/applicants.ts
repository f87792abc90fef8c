import { Inject, Injectable } from '@nestjs/common';
import { jalaliOfIso, type ApplicantFacts } from '@app/contracts-domain';
import { REGISTRY, type Registry } from '@app/registry';
import { ProblemException } from '../http/problem';

/** The registry record behind a national code; unknown people are a 404, never a guess. */
@Injectable()
export class Applicants {
  constructor(@Inject(REGISTRY) private readonly registry: Registry) {}

  async facts(nationalCode: string | undefined): Promise<ApplicantFacts> {
    const facts = nationalCode ? await this.registry.findByNationalCode(nationalCode) : undefined;
    if (!facts) throw new ProblemException('NOT_FOUND', { reason: 'not_in_registry' });
    return facts;
  }
}

/** What the applicant reviews: registry identity and contact data (identity is not editable online). */
export function applicantSummary(facts: ApplicantFacts) {
  return {
    nationalCode: facts.nationalCode,
    firstName: facts.firstName,
    lastName: facts.lastName,
    birthDate: facts.birthDate,
    birthDateJalali: jalaliOfIso(facts.birthDate),
    gender: facts.gender,
    mobile: facts.mobile,
    address: facts.address,
    branchId: facts.branchId,
    provinceCode: facts.provinceCode,
  };
}
