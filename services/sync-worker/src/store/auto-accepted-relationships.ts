import type { PoolClient } from "pg";

/**
 * Claims the relationship for this transaction (row lock): concurrent deliveries of the same event
 * wait here, then find it handled. True when it was not handled yet.
 */
export async function claimRelationship(
  client: PoolClient,
  connectorId: string,
  relationshipId: string,
): Promise<boolean> {
  await client.query(
    `INSERT INTO auto_accepted_relationships (connector_id, relationship_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING`,
    [connectorId, relationshipId],
  );
  const result = await client.query<{ outcome: string | null }>(
    `SELECT outcome FROM auto_accepted_relationships
      WHERE connector_id = $1 AND relationship_id = $2 FOR UPDATE`,
    [connectorId, relationshipId],
  );
  return result.rows[0]?.outcome == null;
}

/** `accepted`, or why not (`notPending`, `refused: …`): never tried again. */
export async function recordOutcome(
  client: PoolClient,
  connectorId: string,
  relationshipId: string,
  outcome: string,
): Promise<void> {
  await client.query(
    `UPDATE auto_accepted_relationships
        SET outcome = $3, accepted_at = CASE WHEN $3 = 'accepted' THEN now() END
      WHERE connector_id = $1 AND relationship_id = $2`,
    [connectorId, relationshipId, outcome],
  );
}
