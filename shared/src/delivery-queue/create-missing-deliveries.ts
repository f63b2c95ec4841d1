import { newId } from "../ids.ts";
import { triggerPatternRegex } from "../trigger-pattern-regex.ts";
import { notifyDeliveriesDue } from "./channels.ts";
import type { RecoverWindow } from "./requeue.ts";
import type { ConnectorScope, Queryable } from "./queryable.ts";
import { TEST_EVENT_CONNECTOR_ID, visibleDelivery } from "./visibility.ts";

/**
 * Recover's backfill: the deliveries the consumer did not create because the destination was
 * disabled (it routes only to enabled destinations). An event stored in [since, until), after the
 * destination was created, gets one when the destination takes it the way the consumer decides —
 * the destination's Connector scope and its trigger patterns with the Connector's wildcards, here as
 * the Postgres regex of `triggerPatternRegex` — and it has none yet. `hub.test` events are never
 * backfilled: each belongs to the one destination it was sent to.
 *
 * New rows are inserted in event order (stored_at, then id), so `seq` — lane order for an ordered
 * destination — follows the events. Tenancy stays in SQL: only events of the caller's Connectors are
 * read, and the insert keeps only rows the caller may touch (`visibleDelivery`). Returns how many
 * deliveries were created; notifies `deliveries_due` when any were.
 */
export async function createMissingDeliveries(
  db: Queryable,
  window: RecoverWindow,
  access: ConnectorScope,
): Promise<number> {
  const regexes = await destinationTriggerRegexes(db, window.destinationId);
  if (regexes.length === 0 || window.limit <= 0) return 0;
  const events = await db.query<{ id: string; connector_id: string }>(
    `SELECT e.id, e.connector_id FROM events e JOIN destinations dst ON dst.id = $1
      WHERE e.stored_at >= greatest($2, dst.created_at) AND e.stored_at < $3
        AND e.connector_id <> '${TEST_EVENT_CONNECTOR_ID}'
        AND (dst.connector_ids IS NULL OR e.connector_id = ANY (dst.connector_ids))
        AND ('.' || e.trigger) ~ ANY ($4::text[])
        AND ($6::text[] IS NULL OR e.connector_id = ANY ($6))
        AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.event_id = e.id AND x.destination_id = $1)
      ORDER BY e.stored_at, e.id
      LIMIT $5`,
    [window.destinationId, window.since, window.until, regexes, window.limit, access],
  );
  if (events.rows.length === 0) return 0;
  const inserted = await db.query(
    `INSERT INTO deliveries (id, event_id, destination_id, connector_id)
     SELECT n.id, n.event_id, n.destination_id, n.connector_id
       FROM (SELECT u.*, $4::text AS destination_id
               FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u (id, event_id, connector_id, position)) n
      WHERE ${visibleDelivery("n", 5)}
      ORDER BY n.position
     ON CONFLICT (event_id, destination_id) DO NOTHING`,
    [
      events.rows.map(() => newId("dlv")),
      events.rows.map((e) => e.id),
      events.rows.map((e) => e.connector_id),
      window.destinationId,
      access,
    ],
  );
  const created = inserted.rowCount ?? 0;
  if (created > 0) await notifyDeliveriesDue(db);
  return created;
}

/** The destination's trigger patterns as Postgres regexes; none when it does not exist. */
async function destinationTriggerRegexes(db: Queryable, destinationId: string): Promise<string[]> {
  const result = await db.query<{ triggers: string[] }>(`SELECT triggers FROM destinations WHERE id = $1`, [
    destinationId,
  ]);
  return (result.rows[0]?.triggers ?? []).map(triggerPatternRegex);
}
