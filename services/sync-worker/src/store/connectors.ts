import type { Pool } from "pg";

/** `enabled` = false: the right credential still answers 403, never an accepted event. */
export type IngestCredentialRow = { id: string; ingest_key_hash: string; enabled: boolean };

/** The stored hash of the credential a Connector's webhooks module presents to the ingest endpoint. */
export async function findIngestCredential(
  db: Pool,
  connectorId: string,
): Promise<IngestCredentialRow | undefined> {
  const result = await db.query<IngestCredentialRow>(
    `SELECT id, ingest_key_hash, enabled FROM connectors WHERE id = $1`,
    [connectorId],
  );
  return result.rows[0];
}

/** Every Connector's ingest credential hash, for the registry's fallback copy. */
export async function listIngestCredentials(db: Pool): Promise<IngestCredentialRow[]> {
  const result = await db.query<IngestCredentialRow>(`SELECT id, ingest_key_hash, enabled FROM connectors`);
  return result.rows;
}

export type ConnectorApiRow = {
  id: string;
  base_url: string;
  api_prefix: string;
  api_key_sealed: string | null;
  automations: Record<string, unknown>;
};

/** What the automations need to call a Connector's REST API, and which automations it enabled. */
export async function findConnectorApi(db: Pool, connectorId: string): Promise<ConnectorApiRow | undefined> {
  const result = await db.query<ConnectorApiRow>(
    `SELECT id, base_url, api_prefix, api_key_sealed, automations FROM connectors WHERE id = $1 AND enabled`,
    [connectorId],
  );
  return result.rows[0];
}

export type BrokerSubscriptionRow = { id: string; broker_subscription: string };

/** Enabled Connectors that publish with their own messageBrokerPublisher to a subscription the hub consumes. */
export async function listBrokerSubscriptions(db: Pool): Promise<BrokerSubscriptionRow[]> {
  const result = await db.query<BrokerSubscriptionRow>(
    `SELECT id, broker_subscription FROM connectors
      WHERE enabled AND broker_subscription IS NOT NULL AND broker_subscription <> ''`,
  );
  return result.rows;
}
