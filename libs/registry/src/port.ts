import type { ApplicantFacts } from '@app/contracts-domain';

/** The SSO registry as this service sees it: one person's facts by national code. */
export interface Registry {
  findByNationalCode(nationalCode: string): Promise<ApplicantFacts | undefined>;
}

export const REGISTRY = Symbol('REGISTRY');
