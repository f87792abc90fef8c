import { idempotencyScope } from './idempotency-scope';

describe('idempotencyScope: the whole identity a stored answer and a command id belong to', () => {
  it('tells apart callers with one role and sub but another scope claim', () => {
    expect(idempotencyScope({ role: 'applicant', sub: 's', nationalCode: '0089216091' })).not.toBe(
      idempotencyScope({ role: 'applicant', sub: 's', nationalCode: '0937560987' }),
    );
    expect(idempotencyScope({ role: 'branch_officer', sub: 's', branchId: '1201' })).not.toBe(idempotencyScope({ role: 'branch_officer', sub: 's', branchId: '0101' }));
    expect(idempotencyScope({ role: 'bank', sub: 's', bankId: 'mellat' })).not.toBe(idempotencyScope({ role: 'bank', sub: 's', bankId: 'melli' }));
  });

  it('is the same for the same caller, and ignores a claim that is not its role’s', () => {
    expect(idempotencyScope({ role: 'applicant', sub: 's', nationalCode: '0089216091' })).toBe(idempotencyScope({ role: 'applicant', sub: 's', nationalCode: '0089216091' }));
    expect(idempotencyScope({ role: 'examiner', sub: 'e', branchId: '1201' })).toBe(idempotencyScope({ role: 'examiner', sub: 'e' }));
    expect(idempotencyScope({ role: 'examiner', sub: 'e' })).not.toBe(idempotencyScope({ role: 'examiner', sub: 'f' }));
  });

  it('cannot be forged by moving a separator between the sub and the claim', () => {
    expect(idempotencyScope({ role: 'branch_officer', sub: 'a:b', branchId: 'c' })).not.toBe(idempotencyScope({ role: 'branch_officer', sub: 'a', branchId: 'b:c' }));
    expect(idempotencyScope({ role: 'branch_officer', sub: 'a","b', branchId: 'c' })).not.toBe(idempotencyScope({ role: 'branch_officer', sub: 'a', branchId: 'b","c' }));
  });
});
