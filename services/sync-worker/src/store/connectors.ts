import type { Pool } from "pg";

export type IngestCredentialRow = { id: string; ingest_key_hash: string };

/** The stored hash of the credential a Connector's webhooks module presents to the ingest endpoint. */
export async function findIngestCredential(
  db: Pool,
  connectorId: string,
): Promise<IngestCredentialRow | undefined> {
  const result = await db.query<IngestCredentialRow>(
    `SELECT id, ingest_key_hash FROM connectors WHERE id = $1`,
    [connectorId],
  );
  return result.rows[0];
}
