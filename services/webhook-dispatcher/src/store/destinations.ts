import type { Pool } from "pg";

export type DestinationMatchRow = { id: string; triggers: string[] };

/** Enabled destinations that take events of this Connector; trigger patterns are matched by the caller. */
export async function findDestinationsForConnector(
  db: Pool,
  connectorId: string,
): Promise<DestinationMatchRow[]> {
  const result = await db.query<DestinationMatchRow>(
    `SELECT id, triggers FROM destinations
      WHERE enabled AND (connector_ids IS NULL OR $1 = ANY (connector_ids))`,
    [connectorId],
  );
  return result.rows;
}

export type WebhookTarget = {
  id: string;
  type: "webhook" | "amqp" | "batch";
  enabled: boolean;
  config: { url: string; headers?: Record<string, string>; timeoutMs?: number };
  sealedSecrets: string[];
};

/** A destination with its signing secrets that are still valid (current and rotating-out ones). */
export async function loadWebhookTarget(db: Pool, destinationId: string): Promise<WebhookTarget | undefined> {
  const result = await db.query<{
    id: string;
    type: WebhookTarget["type"];
    enabled: boolean;
    config: WebhookTarget["config"];
    sealed_secrets: string[] | null;
  }>(
    `SELECT d.id, d.type, d.enabled, d.config,
            array_agg(s.secret_sealed ORDER BY s.created_at DESC)
              FILTER (WHERE s.secret_sealed IS NOT NULL) AS sealed_secrets
       FROM destinations d
       LEFT JOIN destination_secrets s
         ON s.destination_id = d.id AND (s.expires_at IS NULL OR s.expires_at > now())
      WHERE d.id = $1
      GROUP BY d.id`,
    [destinationId],
  );
  const row = result.rows[0];
  return (
    row && {
      id: row.id,
      type: row.type,
      enabled: row.enabled,
      config: row.config,
      sealedSecrets: row.sealed_secrets ?? [],
    }
  );
}
