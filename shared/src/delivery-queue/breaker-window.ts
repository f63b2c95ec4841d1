import type { Queryable } from "./queryable.ts";

/**
 * The breaker's sliding window: outcomes of attempts per destination in `destination_outcomes`,
 * counted in buckets of `bucketSeconds` (a fraction of the window, so a bucket costs one row upsert
 * however many attempts land in it). The window is the sum of the buckets that started less than
 * `windowSeconds` ago: it covers between `windowSeconds − bucketSeconds` and `windowSeconds`.
 * An outcome is counted in the bucket of the moment it is recorded; the dispatcher records a
 * process's successes before a later failure of it (see its delivered recorder), so counts follow the
 * order outcomes happened in.
 */
export type OutcomeWindow = { windowSeconds: number; bucketSeconds: number };

/** The bucket an outcome recorded now falls in; `$param` is the bucket length in seconds. */
export const currentBucket = (param: string) =>
  `to_timestamp(floor(extract(epoch FROM now()) / ${param}::float8) * ${param}::float8)`;

/** A bucket still inside the window; `$param` is the window length in seconds. */
export const isInWindow = (bucketStart: string, param: string) =>
  `${bucketStart} > now() - make_interval(secs => ${param}::float8)`;

/**
 * Deletes buckets that left every window (older than `keepSeconds`), for the retention cleanup:
 * a destination that never fails would otherwise keep one row per bucket forever.
 */
export async function deleteExpiredOutcomes(db: Queryable, keepSeconds: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM destination_outcomes WHERE bucket_start < now() - make_interval(secs => $1::float8)`,
    [keepSeconds],
  );
  return result.rowCount ?? 0;
}

/** A destination's window as it stands, for a transition's log line (off the hot path: transitions are rare). */
export async function readWindowCounts(
  db: Queryable,
  destinationId: string,
  window: OutcomeWindow,
): Promise<{ successes: number; failures: number }> {
  const result = await db.query<{ successes: number; failures: number }>(
    `SELECT COALESCE(sum(successes), 0)::int AS successes, COALESCE(sum(failures), 0)::int AS failures
       FROM destination_outcomes WHERE destination_id = $1 AND ${isInWindow("bucket_start", "$2")}`,
    [destinationId, window.windowSeconds],
  );
  return result.rows[0] ?? { successes: 0, failures: 0 };
}
