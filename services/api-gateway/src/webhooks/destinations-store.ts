import { idPageSql, type IdPage } from "@event-hub/shared";
import type { Pool, PoolClient } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";
import type { DestinationFields } from "./destination-input.ts";

export type DestinationRow = DestinationFields & {
  id: string;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
};

type Db = Pool | PoolClient;

const COLUMNS = `id, type, description, enabled, disabled_reason, triggers, connector_ids, config, ordered,
  retry_schedule_seconds, retry_client_errors, max_in_flight, rate_limit_per_second, timeout_ms,
  created_at, updated_at`;

const FIELD_COLUMNS = [
  "type",
  "description",
  "enabled",
  "triggers",
  "connector_ids",
  "config",
  "ordered",
  "retry_schedule_seconds",
  "retry_client_errors",
  "max_in_flight",
  "rate_limit_per_second",
  "timeout_ms",
] as const satisfies readonly (keyof DestinationFields)[];

/**
 * Destinations a caller with ConnectorAccess $n may see and touch: every one when $n is NULL; else
 * only those limited to Connectors within its list (one with `connector_ids` NULL gets every
 * Connector's events, so it is beyond a limited key).
 */
const VISIBLE = (n: number) => `($${n}::text[] IS NULL OR connector_ids <@ $${n}::text[])`;

const values = (fields: DestinationFields) => FIELD_COLUMNS.map((column) => fields[column]);

/** Inserts a destination with its first signing secret. */
export async function insertDestination(
  db: PoolClient,
  id: string,
  fields: DestinationFields,
  sealedSecret: string,
): Promise<DestinationRow> {
  const placeholders = FIELD_COLUMNS.map((_, i) => `$${i + 2}`).join(", ");
  const result = await db.query<DestinationRow>(
    `INSERT INTO destinations (id, ${FIELD_COLUMNS.join(", ")}) VALUES ($1, ${placeholders})
     RETURNING ${COLUMNS}`,
    [id, ...values(fields)],
  );
  await insertSecret(db, id, sealedSecret);
  return result.rows[0] as DestinationRow;
}

/** Replaces every field; a re-enabled destination loses its disabled reason. */
export async function updateDestination(
  db: Db,
  id: string,
  fields: DestinationFields,
  access: ConnectorAccess,
): Promise<DestinationRow | undefined> {
  const assignments = FIELD_COLUMNS.map((column, i) => `${column} = $${i + 2}`).join(", ");
  const accessParam = FIELD_COLUMNS.length + 2;
  const result = await db.query<DestinationRow>(
    `UPDATE destinations SET ${assignments},
       disabled_reason = CASE WHEN $4::boolean THEN NULL ELSE disabled_reason END, updated_at = now()
     WHERE id = $1 AND ${VISIBLE(accessParam)} RETURNING ${COLUMNS}`,
    [id, ...values(fields), access],
  );
  return result.rows[0];
}

export async function setDestinationEnabled(
  db: Db,
  id: string,
  enabled: boolean,
  reason: string | null,
  access: ConnectorAccess,
): Promise<DestinationRow | undefined> {
  const result = await db.query<DestinationRow>(
    `UPDATE destinations SET enabled = $2, disabled_reason = $3, updated_at = now()
      WHERE id = $1 AND ${VISIBLE(4)}
     RETURNING ${COLUMNS}`,
    [id, enabled, enabled ? null : reason, access],
  );
  return result.rows[0];
}

export async function deleteDestination(db: Db, id: string, access: ConnectorAccess): Promise<boolean> {
  const result = await db.query(`DELETE FROM destinations WHERE id = $1 AND ${VISIBLE(2)}`, [id, access]);
  return result.rowCount === 1;
}

/** `forUpdate` locks the row, so two changes of one destination never interleave. */
export async function findDestination(
  db: Db,
  id: string,
  access: ConnectorAccess,
  lock: "forUpdate" | "" = "",
): Promise<DestinationRow | undefined> {
  const result = await db.query<DestinationRow>(
    `SELECT ${COLUMNS} FROM destinations WHERE id = $1 AND ${VISIBLE(2)} ${lock === "forUpdate" ? "FOR UPDATE" : ""}`,
    [id, access],
  );
  return result.rows[0];
}

export type DestinationFilter = { type?: string; enabled?: boolean; connectorId?: string };

/** One page in id (creation) order. */
export async function listDestinations(
  db: Db,
  page: IdPage,
  filter: DestinationFilter,
  access: ConnectorAccess,
): Promise<DestinationRow[]> {
  const { after, orderBy } = idPageSql(page.order, "$1");
  const result = await db.query<DestinationRow>(
    `SELECT ${COLUMNS} FROM destinations
      WHERE ${after}
        AND ($3::text IS NULL OR type = $3)
        AND ($4::boolean IS NULL OR enabled = $4)
        AND ($5::text IS NULL OR connector_ids IS NULL OR $5 = ANY (connector_ids))
        AND ${VISIBLE(6)}
      ${orderBy} LIMIT $2`,
    [
      page.cursor ?? null,
      page.limit,
      filter.type ?? null,
      filter.enabled ?? null,
      filter.connectorId ?? null,
      access,
    ],
  );
  return result.rows;
}

/** Enabled destinations whose Connector scope admits the Connector (trigger matching is the caller's). */
export async function listEnabledDestinationsFor(
  db: Db,
  connectorId: string,
  access: ConnectorAccess,
): Promise<DestinationRow[]> {
  const result = await db.query<DestinationRow>(
    `SELECT ${COLUMNS} FROM destinations
      WHERE enabled AND (connector_ids IS NULL OR $1 = ANY (connector_ids)) AND ${VISIBLE(2)} ORDER BY id`,
    [connectorId, access],
  );
  return result.rows;
}

async function insertSecret(db: Db, destinationId: string, sealedSecret: string): Promise<void> {
  await db.query(`INSERT INTO destination_secrets (destination_id, secret_sealed) VALUES ($1, $2)`, [
    destinationId,
    sealedSecret,
  ]);
}

/**
 * Rotation: the secrets that still sign now expire after the grace period (every unexpired
 * secret signs, so receivers switch without a gap), then the new one is added.
 */
export async function rotateSecret(
  db: PoolClient,
  destinationId: string,
  sealedSecret: string,
  graceSeconds: number,
): Promise<Date> {
  const result = await db.query<{ expires_at: Date }>(
    `UPDATE destination_secrets SET expires_at = now() + make_interval(secs => $2)
      WHERE destination_id = $1 AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => $2))
      RETURNING expires_at`,
    [destinationId, graceSeconds],
  );
  await insertSecret(db, destinationId, sealedSecret);
  return result.rows[0]?.expires_at ?? new Date();
}
