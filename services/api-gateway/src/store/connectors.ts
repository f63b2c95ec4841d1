import type { Pool } from "pg";

export type ConnectorRow = {
  id: string;
  name: string;
  base_url: string;
  api_prefix: string;
  api_key_sealed: string | null;
  sync_interval_seconds: number;
  enabled: boolean;
  automations: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
};

export type NewConnectorRow = Omit<ConnectorRow, "created_at" | "updated_at"> & { ingest_key_hash: string };

const COLUMNS = `id, name, base_url, api_prefix, api_key_sealed, sync_interval_seconds, enabled, automations,
  created_at, updated_at`;

/** Inserts a Connector; returns undefined when the id is taken. */
export async function insertConnector(db: Pool, row: NewConnectorRow): Promise<ConnectorRow | undefined> {
  const result = await db.query<ConnectorRow>(
    `INSERT INTO connectors (id, name, base_url, api_prefix, api_key_sealed, ingest_key_hash,
       sync_interval_seconds, enabled, automations)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
    ],
  );
  return result.rows[0];
}

export async function findConnector(db: Pool, id: string): Promise<ConnectorRow | undefined> {
  const result = await db.query<ConnectorRow>(`SELECT ${COLUMNS} FROM connectors WHERE id = $1`, [id]);
  return result.rows[0];
}

/** Returns false when there is no such Connector. */
export async function replaceIngestKeyHash(db: Pool, id: string, hash: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE connectors SET ingest_key_hash = $2, updated_at = now() WHERE id = $1`,
    [id, hash],
  );
  return result.rowCount === 1;
}
