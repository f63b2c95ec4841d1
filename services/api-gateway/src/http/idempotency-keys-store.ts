import type { Pool } from "pg";

export type IdempotencyRecord = {
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: Date;
};

/**
 * Claims the key for this request: a new key, or one whose request never answered within
 * `staleAfterSeconds` (it crashed or hangs). Returns the claim's token (its `created_at`, as text
 * so no precision is lost) for completing or releasing it; undefined when another request holds it.
 */
export async function claimIdempotencyKey(
  db: Pool,
  claim: { principal: string; key: string; requestHash: string; staleAfterSeconds: number },
): Promise<string | undefined> {
  const result = await db.query<{ token: string }>(
    `INSERT INTO idempotency_keys (principal, idempotency_key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (principal, idempotency_key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, created_at = clock_timestamp()
      WHERE idempotency_keys.status_code IS NULL
        AND idempotency_keys.created_at < clock_timestamp() - make_interval(secs => $4)
     RETURNING created_at::text AS token`,
    [claim.principal, claim.key, claim.requestHash, claim.staleAfterSeconds],
  );
  return result.rows[0]?.token;
}

export async function findIdempotencyRecord(
  db: Pool,
  principal: string,
  key: string,
): Promise<IdempotencyRecord | undefined> {
  const result = await db.query<IdempotencyRecord>(
    `SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys
      WHERE principal = $1 AND idempotency_key = $2`,
    [principal, key],
  );
  return result.rows[0];
}

/** Stores the answer; a claim taken over meanwhile (token changed) is left to its new owner. */
export async function completeIdempotencyKey(
  db: Pool,
  done: { principal: string; key: string; token: string; statusCode: number; body: string },
): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET status_code = $4, response_body = $5
      WHERE principal = $1 AND idempotency_key = $2 AND created_at = $3::timestamptz`,
    [done.principal, done.key, done.token, done.statusCode, done.body],
  );
}

/** Frees the key (the request failed on our side), so the client may retry with it. */
export async function releaseIdempotencyKey(
  db: Pool,
  claim: { principal: string; key: string; token: string },
): Promise<void> {
  await db.query(
    `DELETE FROM idempotency_keys
      WHERE principal = $1 AND idempotency_key = $2 AND created_at = $3::timestamptz AND status_code IS NULL`,
    [claim.principal, claim.key, claim.token],
  );
}

/** Drops records older than the retention. */
export async function deleteIdempotencyKeysBefore(db: Pool, before: Date): Promise<number> {
  const result = await db.query(`DELETE FROM idempotency_keys WHERE created_at < $1`, [before]);
  return result.rowCount ?? 0;
}
