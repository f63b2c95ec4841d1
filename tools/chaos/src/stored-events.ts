import pg from "pg";

/**
 * When the dispatcher stored each event (its `events` table, `stored_at`), read from the scenario's
 * own database after the run. The dispatcher acks a message only after that row committed
 * (consume/consumer.ts), so an event with no row was never acked by it: Pub/Sub still owed it. Used
 * only to tell why an event was lost, never whether (that stays the receiver's).
 */
export async function readStoredEvents(databaseUrl: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "chaos-suite" });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const result = await client.query<{ id: string; stored_at: Date }>("SELECT id, stored_at FROM events");
    return new Map(result.rows.map((row) => [row.id, row.stored_at.getTime()]));
  } finally {
    await client.end().catch(() => undefined);
  }
}
