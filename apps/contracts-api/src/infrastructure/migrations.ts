/** Tables the API owns besides the event store (read models come with the projections). */
export const apiMigrations = [
  {
    id: '001-contract-numbers-and-idempotency',
    sql: `
      CREATE SEQUENCE IF NOT EXISTS contract_number_blocks START 1;
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope        text        NOT NULL,
        key          text        NOT NULL,
        request_hash text        NOT NULL,
        response     jsonb,
        claimed_at   timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (scope, key)
      );`,
  },
];
