import type { Pool } from "pg";

/**
 * auto_accepted_relationships: one row per relationship the automation handles. A row without an
 * outcome is a claim — someone is calling `PUT …/Accept` — that counts until it is `staleSeconds`
 * old (its holder died); a row with an outcome is done for good. Each statement commits on its
 * own, so no transaction stays open across the call to the Connector.
 */
export type Claim =
  /** Ours: call the Connector, then record the outcome or release the claim. `token` names it. */
  | { kind: "claimed"; token: string }
  /** Handled before (accepted, or refused for good): nothing to do. */
  | { kind: "done" }
  /** Another delivery of the same event is calling the Connector now: try again later. */
  | { kind: "busy" };

export async function claimRelationship(
  db: Pool,
  connectorId: string,
  relationshipId: string,
  staleSeconds: number,
): Promise<Claim> {
  // claimed_at as text keeps its microseconds, so it identifies this claim when released.
  const claimed = await db.query<{ token: string }>(
    `INSERT INTO auto_accepted_relationships AS r (connector_id, relationship_id, claimed_at)
     VALUES ($1, $2, clock_timestamp())
     ON CONFLICT (connector_id, relationship_id) DO UPDATE SET claimed_at = clock_timestamp()
       WHERE r.outcome IS NULL AND r.claimed_at < clock_timestamp() - make_interval(secs => $3)
     RETURNING claimed_at::text AS token`,
    [connectorId, relationshipId, staleSeconds],
  );
  const token = claimed.rows[0]?.token;
  if (token) return { kind: "claimed", token };
  const existing = await db.query<{ outcome: string | null }>(
    `SELECT outcome FROM auto_accepted_relationships WHERE connector_id = $1 AND relationship_id = $2`,
    [connectorId, relationshipId],
  );
  return existing.rows[0]?.outcome == null ? { kind: "busy" } : { kind: "done" };
}

/** `accepted`, or why not (`notPending`, `refused: …`): never tried again. The first outcome stays. */
export async function recordOutcome(
  db: Pool,
  connectorId: string,
  relationshipId: string,
  outcome: string,
): Promise<void> {
  await db.query(
    `UPDATE auto_accepted_relationships
        SET outcome = $3, accepted_at = CASE WHEN $3 = 'accepted' THEN now() END
      WHERE connector_id = $1 AND relationship_id = $2 AND outcome IS NULL`,
    [connectorId, relationshipId, outcome],
  );
}

/** Gives up our claim after a transient failure, so the redelivered event may claim it at once. */
export async function releaseClaim(
  db: Pool,
  connectorId: string,
  relationshipId: string,
  token: string,
): Promise<void> {
  await db.query(
    `DELETE FROM auto_accepted_relationships
      WHERE connector_id = $1 AND relationship_id = $2 AND outcome IS NULL AND claimed_at = $3::timestamptz`,
    [connectorId, relationshipId, token],
  );
}
