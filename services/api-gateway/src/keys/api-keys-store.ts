import { idPageSql, type IdPage } from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";

export type ApiKeyRow = {
  id: string;
  name: string;
  scopes: string[];
  /** The Connectors the key is limited to; null: every Connector. */
  connector_ids: string[] | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
};

const COLUMNS = "id, name, scopes, connector_ids, created_at, expires_at, revoked_at";

/**
 * Keys a key may see: every key for an unlimited one ($n NULL); for a limited one only the keys
 * limited to Connectors within its own list, so it can neither read nor revoke a wider key.
 */
const VISIBLE = (n: number) => `($${n}::text[] IS NULL OR connector_ids <@ $${n}::text[])`;

export async function insertApiKey(
  db: Pool,
  row: {
    id: string;
    name: string;
    keyHash: string;
    scopes: string[];
    connectorIds: string[] | null;
    expiresAt: Date | null;
  },
): Promise<ApiKeyRow> {
  const result = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, name, key_hash, scopes, connector_ids, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [row.id, row.name, row.keyHash, row.scopes, row.connectorIds, row.expiresAt],
  );
  return result.rows[0] as ApiKeyRow;
}

/** The key with this hash, unless it is revoked or expired. */
export async function findActiveApiKeyByHash(db: Pool, keyHash: string): Promise<ApiKeyRow | undefined> {
  const result = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys
      WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [keyHash],
  );
  return result.rows[0];
}

export async function findApiKey(
  db: Pool,
  id: string,
  access: ConnectorAccess,
): Promise<ApiKeyRow | undefined> {
  const result = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE id = $1 AND ${VISIBLE(2)}`,
    [id, access],
  );
  return result.rows[0];
}

/** One page in id order. */
export async function listApiKeys(db: Pool, page: IdPage, access: ConnectorAccess): Promise<ApiKeyRow[]> {
  const { after, orderBy } = idPageSql(page.order, "$1");
  const result = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE ${after} AND ${VISIBLE(3)} ${orderBy} LIMIT $2`,
    [page.cursor ?? null, page.limit, access],
  );
  return result.rows;
}

/** Revokes the key (idempotent); undefined when there is no such key the caller may see. */
export async function revokeApiKey(
  db: Pool,
  id: string,
  access: ConnectorAccess,
): Promise<ApiKeyRow | undefined> {
  const result = await db.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND ${VISIBLE(2)}
     RETURNING ${COLUMNS}`,
    [id, access],
  );
  return result.rows[0];
}
