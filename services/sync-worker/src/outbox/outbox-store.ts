import type { EncodedEvent } from "@event-hub/shared";
import type { Pool, PoolClient } from "pg";

export type OutboxRow = {
  seq: string;
  event_id: string;
  connector_id: string;
  ordering_key: string;
  data: Buffer;
  attributes: Record<string, string>;
};

/** Any bigint unique to this purpose: one relay at a time, across replicas, keeps the order. */
const RELAY_LOCK_KEY = "7305894512330517004";

/** Commits one event that Pub/Sub did not take; the relay publishes it later. */
export async function insertOutboxEvent(
  db: Pool,
  eventId: string,
  connectorId: string,
  message: EncodedEvent,
): Promise<void> {
  await db.query(
    `INSERT INTO ingest_outbox (event_id, connector_id, ordering_key, data, attributes)
     VALUES ($1, $2, $3, $4, $5)`,
    [eventId, connectorId, message.orderingKey, message.data, JSON.stringify(message.attributes)],
  );
}

/** Takes the relay lock for this transaction; false when another replica relays right now. */
export async function tryLockRelay(client: PoolClient): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`,
    [RELAY_LOCK_KEY],
  );
  return result.rows[0]?.locked === true;
}

/** The oldest events first: their order is the order ingest accepted them. */
export async function readOutboxBatch(client: PoolClient, limit: number): Promise<OutboxRow[]> {
  const result = await client.query<OutboxRow>(
    `SELECT seq, event_id, connector_id, ordering_key, data, attributes
       FROM ingest_outbox ORDER BY seq LIMIT $1`,
    [limit],
  );
  return result.rows;
}

export async function deleteOutboxEvents(client: PoolClient, seqs: string[]): Promise<void> {
  if (seqs.length === 0) return;
  await client.query(`DELETE FROM ingest_outbox WHERE seq = ANY($1::bigint[])`, [seqs]);
}

/** Connectors that still have events waiting: their new events queue behind them. */
export async function listOutboxConnectors(db: Pool): Promise<string[]> {
  const result = await db.query<{ connector_id: string }>(`SELECT DISTINCT connector_id FROM ingest_outbox`);
  return result.rows.map((row) => row.connector_id);
}

export type OutboxStats = { depth: number; oldestAgeSeconds: number };

export async function readOutboxStats(db: Pool): Promise<OutboxStats> {
  const result = await db.query<{ depth: string; age: number | null }>(
    `SELECT count(*) AS depth, extract(epoch FROM now() - min(created_at))::float8 AS age FROM ingest_outbox`,
  );
  const row = result.rows[0];
  return { depth: Number(row?.depth ?? 0), oldestAgeSeconds: row?.age ?? 0 };
}
