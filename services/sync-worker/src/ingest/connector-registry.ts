import { createPeriodicTask, type PeriodicTask } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";
import { listIngestCredentials } from "../store/connectors.ts";

/** What ingest needs to know of a Connector: its credential's sha256 (hex) and whether it may ingest. */
export type IngestCredential = { keyHash: string; enabled: boolean };

/**
 * The last known ingest credentials of every Connector, refreshed from Postgres and kept current by
 * every lookup ingest makes, each with the time Postgres was asked for it. Ingest accepts a
 * credential from this copy while it is younger than INGEST_CREDENTIAL_MAX_AGE_MS (so a burst of
 * events costs one query per Connector per that age, not one per event) and asks Postgres otherwise,
 * and before every refusal. When Postgres does not answer, any age will do: events keep flowing to
 * Pub/Sub while the database is away — also for a Connector registered just before.
 */
export type ConnectorRegistry = {
  ingestCredential(connectorId: string): IngestCredential | undefined;
  /** The credential if Postgres was asked for it at or after `since` (epoch ms). */
  ingestCredentialAskedSince(connectorId: string, since: number): IngestCredential | undefined;
  /** What Postgres answered for one Connector (undefined: no such Connector), asked at `askedAt`. */
  remember(connectorId: string, credential: IngestCredential | undefined, askedAt: number): void;
  refresh(): Promise<void>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
};

type Known = { credential: IngestCredential; askedAt: number };

export function createConnectorRegistry(db: Pool, logger: Logger): ConnectorRegistry {
  let known = new Map<string, Known>();
  let task: PeriodicTask | undefined;
  const refresh = async () => {
    // Stamped with when it was asked: a row read before a change must not count as read after it.
    const askedAt = Date.now();
    const rows = await listIngestCredentials(db);
    const next = new Map(
      rows.map((row) => [
        row.id,
        { credential: { keyHash: row.ingest_key_hash, enabled: row.enabled }, askedAt },
      ]),
    );
    // A lookup that asked after this refresh did knows better.
    for (const [connectorId, entry] of known) {
      if (entry.askedAt > askedAt) next.set(connectorId, entry);
    }
    known = next;
  };
  return {
    ingestCredential: (connectorId) => known.get(connectorId)?.credential,
    ingestCredentialAskedSince(connectorId, since) {
      const entry = known.get(connectorId);
      return entry && entry.askedAt >= since ? entry.credential : undefined;
    },
    remember(connectorId, credential, askedAt) {
      const entry = known.get(connectorId);
      if (entry && entry.askedAt > askedAt) return; // an answer to a later question already arrived
      if (credential) known.set(connectorId, { credential, askedAt });
      else known.delete(connectorId);
    },
    refresh,
    start(intervalMs) {
      // unref: a cache refresh must not keep the process alive.
      task = createPeriodicTask({
        name: "connector registry refresh",
        intervalMs,
        run: refresh,
        logger,
        unref: true,
      });
      task.start();
    },
    async stop() {
      await task?.stop();
    },
  };
}
