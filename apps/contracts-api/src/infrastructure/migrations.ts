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
  {
    // Answers kept before scopes were the caller's whole identity (role, sub and the role's claim,
    // JSON-encoded) can never be replayed again: only a bank's `bank:<bankId>` scope is unchanged.
    // A bank's kept payment answers lose the contract view they carried (national code, exam).
    id: '002-stored-answers-only-of-whole-identities-and-without-contract-views',
    sql: `
      DELETE FROM idempotency_keys WHERE scope NOT LIKE '[%' AND scope NOT LIKE 'bank:%';
      UPDATE idempotency_keys SET response = response #- '{body,contract}'
       WHERE scope LIKE 'bank:%' AND response->'body' ? 'contract';`,
  },
  {
    // The retention purge (PostgresIdempotencyStore.purgeCompleted) finds the oldest completed
    // answers through it; in-progress claims (completed_at NULL) are not in it.
    id: '003-idempotency-keys-completed-at-index',
    sql: `CREATE INDEX IF NOT EXISTS idempotency_keys_completed_at ON idempotency_keys (completed_at) WHERE completed_at IS NOT NULL;`,
  },
  {
    // Who holds a claim: only that request may answer or release it (a request that stalled past
    // the lease must not overwrite or delete the row of the one that took the key over).
    id: '004-idempotency-keys-claim-token',
    sql: `ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS claim_token UUID;`,
  },
  {
    // A bank reference that paid is kept for good (PURGE_BATCH_SQL): the purge's index leaves those
    // rows out, so it never walks past a growing pile of them to reach what it may delete.
    id: '005-idempotency-keys-purge-index-without-kept-bank-references',
    sql: `
      CREATE INDEX IF NOT EXISTS idempotency_keys_purgeable ON idempotency_keys (completed_at)
       WHERE completed_at IS NOT NULL AND NOT (scope LIKE 'bank:%' AND (response->>'status')::int < 400);
      DROP INDEX IF EXISTS idempotency_keys_completed_at;`,
  },
  {
    // A manual clock's instant (tests and demos), so that a restart resumes it (clock/stored-clock.ts).
    id: '006-manual-clock',
    sql: `
      CREATE TABLE IF NOT EXISTS manual_clock (
        singleton BOOLEAN     PRIMARY KEY DEFAULT true CHECK (singleton),
        now       TIMESTAMPTZ NOT NULL
      );`,
  },
  {
    // A replay answers the same bytes as the first answer: json keeps the text as stored, where
    // jsonb reorders the keys (a client hashing or diffing answers would see another body).
    id: '007-idempotency-answers-kept-as-sent',
    sql: `ALTER TABLE idempotency_keys ALTER COLUMN response TYPE json USING response::json;`,
  },
  {
    // The hash of what the request means, where its route normalises it (a payment's instant in
    // any offset), beside request_hash, the body as sent, which every version compares: a replica
    // still on the code before this (a rolling deploy) keeps matching the keys newer ones store.
    id: '008-idempotency-identity-hash',
    sql: `ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS identity_hash text;`,
  },
  {
    // An identity belongs to the request it was taken from: code before 008 (a replica in a
    // rolling deploy, a rollback) takes a refused key over by setting request_hash alone, which
    // would leave the refused request's identity to match, and replay the corrected one's answer.
    id: '009-idempotency-identity-follows-its-request',
    sql: `
      CREATE OR REPLACE FUNCTION idempotency_identity_of_another_request() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.identity_hash := NULL;
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS idempotency_identity_follows_its_request ON idempotency_keys;
      CREATE TRIGGER idempotency_identity_follows_its_request BEFORE UPDATE OF request_hash ON idempotency_keys
        FOR EACH ROW WHEN (NEW.request_hash IS DISTINCT FROM OLD.request_hash AND NEW.identity_hash IS NOT DISTINCT FROM OLD.identity_hash)
        EXECUTE FUNCTION idempotency_identity_of_another_request();`,
  },
  {
    // The retention purge's way to claims never answered (PURGE_UNANSWERED_BATCH_SQL): few rows.
    id: '010-idempotency-keys-unanswered-index',
    sql: `CREATE INDEX IF NOT EXISTS idempotency_keys_unanswered ON idempotency_keys (claimed_at) WHERE completed_at IS NULL AND scope NOT LIKE 'bank:%';`,
  },
];
