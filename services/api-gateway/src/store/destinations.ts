import type { Pool, PoolClient } from "pg";

export type DestinationRow = {
  id: string;
  type: "webhook" | "amqp" | "batch";
  description: string;
  enabled: boolean;
  disabled_reason: string | null;
  triggers: string[];
  connector_ids: string[] | null;
  config: Record<string, unknown>;
  ordered: boolean;
  created_at: Date;
  updated_at: Date;
};

export type NewDestinationRow = Omit<DestinationRow, "disabled_reason" | "created_at" | "updated_at">;

const COLUMNS = `id, type, description, enabled, disabled_reason, triggers, connector_ids, config, ordered,
  created_at, updated_at`;

export async function insertDestination(
  db: PoolClient,
  row: NewDestinationRow,
  sealedSecret: string,
): Promise<DestinationRow> {
  const result = await db.query<DestinationRow>(
    `INSERT INTO destinations (id, type, description, enabled, triggers, connector_ids, config, ordered)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING ${COLUMNS}`,
    [
      row.id,
      row.type,
      row.description,
      row.enabled,
      row.triggers,
      row.connector_ids,
      row.config,
      row.ordered,
    ],
  );
  await db.query(`INSERT INTO destination_secrets (destination_id, secret_sealed) VALUES ($1, $2)`, [
    row.id,
    sealedSecret,
  ]);
  return result.rows[0] as DestinationRow;
}

export async function findDestination(db: Pool, id: string): Promise<DestinationRow | undefined> {
  const result = await db.query<DestinationRow>(`SELECT ${COLUMNS} FROM destinations WHERE id = $1`, [id]);
  return result.rows[0];
}

/** One page in id order (ids sort by creation time); `after` is the last id of the previous page. */
export async function listDestinations(
  db: Pool,
  page: { limit: number; after?: string },
): Promise<DestinationRow[]> {
  const result = await db.query<DestinationRow>(
    `SELECT ${COLUMNS} FROM destinations WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [page.after ?? null, page.limit],
  );
  return result.rows;
}
