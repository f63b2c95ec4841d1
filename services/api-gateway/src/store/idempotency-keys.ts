import type { Pool } from "pg";

export type IdempotencyRecord = {
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: Date;
};

/** Claims the key for this request; false when an earlier request holds it. */
export async function claimIdempotencyKey(
  db: Pool,
  claim: { principal: string; key: string; requestHash: string },
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO idempotency_keys (principal, idempotency_key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (principal, idempotency_key) DO NOTHING`,
    [claim.principal, claim.key, claim.requestHash],
  );
  return result.rowCount === 1;
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

export async function completeIdempotencyKey(
  db: Pool,
  done: { principal: string; key: string; statusCode: number; body: string },
): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET status_code = $3, response_body = $4
      WHERE principal = $1 AND idempotency_key = $2`,
    [done.principal, done.key, done.statusCode, done.body],
  );
}

/** Frees the key (the request failed on our side), so the client may retry with it. */
export async function releaseIdempotencyKey(db: Pool, principal: string, key: string): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND idempotency_key = $2`, [
    principal,
    key,
  ]);
}

/** Drops records older than the retention; also frees keys whose request never finished. */
export async function deleteIdempotencyKeysBefore(db: Pool, before: Date): Promise<number> {
  const result = await db.query(`DELETE FROM idempotency_keys WHERE created_at < $1`, [before]);
  return result.rowCount ?? 0;
}
