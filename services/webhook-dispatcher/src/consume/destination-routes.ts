import type { PoolClient } from "pg";
import type { DestinationRoute } from "./event-routing.ts";

/** Enabled destinations that take events of any of these Connectors; triggers are matched by the caller. */
export async function findRoutesForConnectors(
  client: PoolClient,
  connectorIds: string[],
): Promise<DestinationRoute[]> {
  const result = await client.query<{ id: string; triggers: string[]; connector_ids: string[] | null }>(
    `SELECT id, triggers, connector_ids FROM destinations
      WHERE enabled AND (connector_ids IS NULL OR connector_ids && $1::text[])`,
    [connectorIds],
  );
  return result.rows.map((row) => ({ id: row.id, triggers: row.triggers, connectorIds: row.connector_ids }));
}
