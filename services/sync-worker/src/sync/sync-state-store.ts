import type { Pool } from "pg";

/**
 * connector_sync_state and sync_worker_replicas: the sync leases and outcomes. The outcome columns
 * are a contract with api-gateway, which reads them and sets sync_requested_at for "sync now".
 */

/** Marks this replica alive until `now + leaseSeconds`; forgets replicas whose heartbeat ran out. */
export async function heartbeatReplica(db: Pool, replicaId: string, leaseSeconds: number): Promise<number> {
  await db.query(
    `INSERT INTO sync_worker_replicas (id, expires_at) VALUES ($1, now() + make_interval(secs => $2))
     ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
    [replicaId, leaseSeconds],
  );
  await db.query(`DELETE FROM sync_worker_replicas WHERE expires_at < now()`);
  const result = await db.query<{ live: string }>(`SELECT count(*) AS live FROM sync_worker_replicas`);
  return Number(result.rows[0]?.live ?? 1);
}

export async function removeReplica(db: Pool, replicaId: string): Promise<void> {
  await db.query(`DELETE FROM sync_worker_replicas WHERE id = $1`, [replicaId]);
}

/** Gives every Connector a state row (new Connectors are due at once); returns how many are enabled. */
export async function ensureSyncStates(db: Pool): Promise<number> {
  await db.query(
    `INSERT INTO connector_sync_state (connector_id) SELECT id FROM connectors ON CONFLICT DO NOTHING`,
  );
  const result = await db.query<{ enabled: string }>(
    `SELECT count(*) AS enabled FROM connectors WHERE enabled`,
  );
  return Number(result.rows[0]?.enabled ?? 0);
}

/** Extends this replica's leases on enabled Connectors and drops those on disabled ones. */
export async function renewLeases(db: Pool, replicaId: string, leaseSeconds: number): Promise<string[]> {
  await db.query(
    `UPDATE connector_sync_state s SET lease_owner = NULL, lease_expires_at = NULL
       FROM connectors c WHERE c.id = s.connector_id AND s.lease_owner = $1 AND NOT c.enabled`,
    [replicaId],
  );
  const result = await db.query<{ connector_id: string }>(
    `UPDATE connector_sync_state SET lease_expires_at = now() + make_interval(secs => $2)
      WHERE lease_owner = $1 AND lease_expires_at > now()
      RETURNING connector_id`,
    [replicaId, leaseSeconds],
  );
  return result.rows.map((row) => row.connector_id);
}

/** Takes up to `limit` enabled Connectors whose lease is free or ran out (its holder died). */
export async function claimLeases(
  db: Pool,
  replicaId: string,
  leaseSeconds: number,
  limit: number,
): Promise<string[]> {
  const result = await db.query<{ connector_id: string }>(
    `UPDATE connector_sync_state s SET lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2)
      WHERE s.connector_id IN (
        SELECT f.connector_id FROM connector_sync_state f JOIN connectors c ON c.id = f.connector_id
         WHERE c.enabled AND (f.lease_owner IS NULL OR f.lease_expires_at IS NULL OR f.lease_expires_at < now())
         ORDER BY f.next_sync_at LIMIT $3 FOR UPDATE OF f SKIP LOCKED)
      RETURNING s.connector_id`,
    [replicaId, leaseSeconds, limit],
  );
  return result.rows.map((row) => row.connector_id);
}

export async function releaseLeases(db: Pool, replicaId: string, connectorIds: string[]): Promise<void> {
  if (connectorIds.length === 0) return;
  await db.query(
    `UPDATE connector_sync_state SET lease_owner = NULL, lease_expires_at = NULL
      WHERE lease_owner = $1 AND connector_id = ANY($2::text[])`,
    [replicaId, connectorIds],
  );
}

export type SyncTarget = {
  connector_id: string;
  base_url: string;
  api_prefix: string;
  api_key_sealed: string | null;
  sync_interval_seconds: number;
  consecutive_failures: number;
};

/** This replica's Connectors that are due: their time came, or api-gateway asked for a sync now. */
export async function listDueTargets(db: Pool, replicaId: string, limit: number): Promise<SyncTarget[]> {
  const result = await db.query<SyncTarget>(
    `SELECT s.connector_id, c.base_url, c.api_prefix, c.api_key_sealed, c.sync_interval_seconds,
            s.consecutive_failures
       FROM connector_sync_state s JOIN connectors c ON c.id = s.connector_id
      WHERE s.lease_owner = $1 AND s.lease_expires_at > now() AND c.enabled
        AND (s.next_sync_at <= now() OR s.sync_requested_at IS NOT NULL)
      ORDER BY s.sync_requested_at NULLS LAST, s.next_sync_at
      LIMIT $2`,
    [replicaId, limit],
  );
  return result.rows;
}

export async function recordSyncStarted(db: Pool, connectorId: string, correlationId: string): Promise<void> {
  await db.query(
    `UPDATE connector_sync_state SET last_started_at = now(), last_correlation_id = $2 WHERE connector_id = $1`,
    [connectorId, correlationId],
  );
}

export type SyncOutcomeUpdate = {
  connectorId: string;
  isSuccess: boolean;
  error: string | undefined;
  consecutiveFailures: number;
  nextSyncInMs: number;
};

/** The outcome for api-gateway to show, and the next run; "sync now" requests made before this run started are done. */
export async function recordSyncOutcome(db: Pool, update: SyncOutcomeUpdate): Promise<void> {
  await db.query(
    `UPDATE connector_sync_state SET
        last_succeeded_at = CASE WHEN $2 THEN now() ELSE last_succeeded_at END,
        last_failed_at = CASE WHEN $2 THEN last_failed_at ELSE now() END,
        last_error = CASE WHEN $2 THEN NULL ELSE $3 END, -- the error of the failing run, while it fails
        consecutive_failures = $4,
        next_sync_at = now() + make_interval(secs => $5::float8 / 1000),
        sync_requested_at = CASE WHEN sync_requested_at <= last_started_at THEN NULL ELSE sync_requested_at END
      WHERE connector_id = $1`,
    [
      update.connectorId,
      update.isSuccess,
      update.error ?? null,
      update.consecutiveFailures,
      update.nextSyncInMs,
    ],
  );
}
