import type { Queryable } from "./queryable.ts";

/**
 * Deletes up to `limit` events stored before the retention period whose deliveries are all finished;
 * their deliveries and attempts go with them (ON DELETE CASCADE). Pending work is never deleted.
 */
export async function deleteExpiredEvents(
  db: Queryable,
  retentionSeconds: number,
  limit: number,
): Promise<number> {
  const result = await db.query(
    `DELETE FROM events WHERE id IN (
       SELECT e.id FROM events e
        WHERE e.stored_at < now() - make_interval(secs => $1)
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
        ORDER BY e.stored_at
        LIMIT $2)`,
    [retentionSeconds, limit],
  );
  return result.rowCount ?? 0;
}
