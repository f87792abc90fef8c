import type { Pool } from 'pg';

export interface ContractNumberAllocator {
  next(): Promise<string>;
}

export const CONTRACT_NUMBERS = Symbol('CONTRACT_NUMBERS');

/** Luhn check digit, so a mistyped contract number is caught at the counter. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function formatContractNumber(sequence: bigint): string {
  const body = (100_000_000n + sequence).toString(); // 9 digits, never a leading zero
  if (body.length !== 9) throw new Error(`contract number sequence exhausted at ${sequence}`);
  return body + luhnCheckDigit(body);
}

/**
 * Numbers come from a PostgreSQL sequence in blocks (hi/lo): one `nextval` reserves `blockSize`
 * numbers for this process, so the hot path takes no lock and usually no round trip. Numbers are
 * unique across processes; gaps after a restart are harmless.
 */
export class PostgresContractNumberAllocator implements ContractNumberAllocator {
  private nextInBlock = 0n;
  private blockEnd = 0n;
  private refill?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly blockSize = 50n,
  ) {}

  async next(): Promise<string> {
    while (this.nextInBlock >= this.blockEnd) {
      this.refill ??= this.takeBlock().finally(() => (this.refill = undefined));
      await this.refill;
    }
    return formatContractNumber(this.nextInBlock++);
  }

  private async takeBlock(): Promise<void> {
    const { rows } = await this.pool.query<{ block: string }>(`SELECT nextval('contract_number_blocks') AS block`);
    const start = BigInt(rows[0].block) * this.blockSize;
    this.nextInBlock = start;
    this.blockEnd = start + this.blockSize;
  }
}
