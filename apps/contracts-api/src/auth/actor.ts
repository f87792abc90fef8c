/** Roles and the one extra claim each needs (API.md, "Authentication and roles"). */
export const ROLES = ['applicant', 'branch_officer', 'bank', 'examiner', 'auditor', 'ops'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as the verified token says. Only the claim that belongs to the role is kept. */
export interface Actor {
  sub: string;
  role: Role;
  nationalCode?: string;
  branchId?: string;
  bankId?: string;
}

type ScopeClaim = 'nationalCode' | 'branchId' | 'bankId';

export const SCOPE_CLAIM: Record<Role, ScopeClaim | undefined> = {
  applicant: 'nationalCode',
  branch_officer: 'branchId',
  bank: 'bankId',
  examiner: undefined,
  auditor: undefined,
  ops: undefined,
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
