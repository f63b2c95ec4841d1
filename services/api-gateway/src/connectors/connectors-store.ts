import { idPageSql, SYNC_REQUESTED_CHANNEL, type IdPage } from "@event-hub/shared";
import type { Pool, PoolClient } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";

export type ConnectorRow = {
  id: string;
  name: string;
  base_url: string;
  api_prefix: string;
  api_key_sealed: string | null;
  sync_interval_seconds: number;
  enabled: boolean;
  automations: Record<string, unknown>;
  broker_subscription: string | null;
  created_at: Date;
  updated_at: Date;
};

export type NewConnectorRow = Omit<ConnectorRow, "created_at" | "updated_at" | "broker_subscription"> & {
  ingest_key_hash: string;
  broker_subscription?: string | null;
};

/** Columns a PATCH may change. */
export type ConnectorChanges = Partial<
  Pick<
    ConnectorRow,
    | "name"
    | "base_url"
    | "api_prefix"
    | "api_key_sealed"
    | "sync_interval_seconds"
    | "enabled"
    | "automations"
    | "broker_subscription"
  >
>;

const COLUMNS = `id, name, base_url, api_prefix, api_key_sealed, sync_interval_seconds, enabled, automations,
  broker_subscription, created_at, updated_at`;

/** Inserts a Connector; returns undefined when the id is taken. */
export async function insertConnector(db: Pool, row: NewConnectorRow): Promise<ConnectorRow | undefined> {
  const result = await db.query<ConnectorRow>(
    `INSERT INTO connectors (id, name, base_url, api_prefix, api_key_sealed, ingest_key_hash,
       sync_interval_seconds, enabled, automations, broker_subscription)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      row.id,
      row.name,
      row.base_url,
      row.api_prefix,
      row.api_key_sealed,
      row.ingest_key_hash,
      row.sync_interval_seconds,
      row.enabled,
      row.automations,
      row.broker_subscription ?? null,
    ],
  );
  return result.rows[0];
}

/**
 * Every read and write below takes the caller's ConnectorAccess ($n: NULL = every Connector): a
 * Connector outside it is absent, the same answer as for one that does not exist.
 */
export async function findConnector(
  db: Pool,
  id: string,
  access: ConnectorAccess,
): Promise<ConnectorRow | undefined> {
  const result = await db.query<ConnectorRow>(
    `SELECT ${COLUMNS} FROM connectors WHERE id = $1 AND ($2::text[] IS NULL OR id = ANY ($2))`,
    [id, access],
  );
  return result.rows[0];
}

/** One page in id order. */
export async function listConnectors(
  db: Pool,
  page: IdPage,
  access: ConnectorAccess,
): Promise<ConnectorRow[]> {
  const { after, orderBy } = idPageSql(page.order, "$1");
  const result = await db.query<ConnectorRow>(
    `SELECT ${COLUMNS} FROM connectors
      WHERE ${after} AND ($3::text[] IS NULL OR id = ANY ($3))
      ${orderBy} LIMIT $2`,
    [page.cursor ?? null, page.limit, access],
  );
  return result.rows;
}

/** Applies the changes (column names are from ConnectorChanges, never from the caller). */
export async function updateConnector(
  db: Pool,
  id: string,
  changes: ConnectorChanges,
  access: ConnectorAccess,
): Promise<ConnectorRow | undefined> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  const assignments = entries.map(([column], i) => `${column} = $${i + 3}`);
  const result = await db.query<ConnectorRow>(
    `UPDATE connectors SET ${[...assignments, "updated_at = now()"].join(", ")}
      WHERE id = $1 AND ($2::text[] IS NULL OR id = ANY ($2))
     RETURNING ${COLUMNS}`,
    [id, access, ...entries.map(([, value]) => value)],
  );
  return result.rows[0];
}

export async function deleteConnector(db: Pool, id: string, access: ConnectorAccess): Promise<boolean> {
  const result = await db.query(
    `DELETE FROM connectors WHERE id = $1 AND ($2::text[] IS NULL OR id = ANY ($2))`,
    [id, access],
  );
  return result.rowCount === 1;
}

/** Returns false when there is no such Connector. */
export async function replaceIngestKeyHash(
  db: Pool,
  id: string,
  hash: string,
  access: ConnectorAccess,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE connectors SET ingest_key_hash = $2, updated_at = now()
      WHERE id = $1 AND ($3::text[] IS NULL OR id = ANY ($3))`,
    [id, hash, access],
  );
  return result.rowCount === 1;
}

export type SyncStateRow = {
  next_sync_at: Date;
  sync_requested_at: Date | null;
  last_started_at: Date | null;
  last_succeeded_at: Date | null;
  last_failed_at: Date | null;
  last_error: string | null;
  consecutive_failures: number;
  last_correlation_id: string | null;
};

/** sync-worker's record of the Connector's syncs; undefined before its first. Read after findConnector. */
export async function findSyncState(db: Pool, connectorId: string): Promise<SyncStateRow | undefined> {
  const result = await db.query<SyncStateRow>(
    `SELECT next_sync_at, sync_requested_at, last_started_at, last_succeeded_at, last_failed_at, last_error,
            consecutive_failures, last_correlation_id
       FROM connector_sync_state WHERE connector_id = $1`,
    [connectorId],
  );
  return result.rows[0];
}

/** findSyncState for a page of Connectors, by Connector id (absent before a Connector's first sync). */
export async function listSyncStates(
  db: Pool,
  connectorIds: readonly string[],
): Promise<Map<string, SyncStateRow>> {
  const result = await db.query<SyncStateRow & { connector_id: string }>(
    `SELECT connector_id, next_sync_at, sync_requested_at, last_started_at, last_succeeded_at, last_failed_at,
            last_error, consecutive_failures, last_correlation_id
       FROM connector_sync_state WHERE connector_id = ANY ($1::text[])`,
    [connectorIds],
  );
  return new Map(result.rows.map((row) => [row.connector_id, row]));
}

/**
 * Asks sync-worker for a sync now: the request is recorded, then NOTIFY wakes its scheduler.
 * Called after findConnector with the caller's access, in the same transaction.
 */
export async function requestSync(db: PoolClient, connectorId: string): Promise<Date> {
  const result = await db.query<{ sync_requested_at: Date }>(
    `INSERT INTO connector_sync_state (connector_id, sync_requested_at) VALUES ($1, now())
     ON CONFLICT (connector_id) DO UPDATE SET sync_requested_at = now()
     RETURNING sync_requested_at`,
    [connectorId],
  );
  await db.query(`SELECT pg_notify($1, $2)`, [SYNC_REQUESTED_CHANNEL, connectorId]);
  return (result.rows[0] as { sync_requested_at: Date }).sync_requested_at;
}
