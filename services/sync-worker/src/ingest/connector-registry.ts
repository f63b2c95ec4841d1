import { createPeriodicTask, type PeriodicTask } from "@event-hub/shared";
import type { Pool } from "pg";
import type { Logger } from "pino";
import { listIngestCredentials } from "../store/connectors.ts";

/** What ingest needs to know of a Connector: its credential's sha256 (hex) and whether it may ingest. */
export type IngestCredential = { keyHash: string; enabled: boolean };

/**
 * The last known ingest credentials of every Connector, refreshed from Postgres and kept current by
 * every lookup ingest makes. Ingest asks Postgres first (rotation, new and disabled Connectors take
 * effect at once) and falls back to this copy only when Postgres does not answer, so events keep
 * flowing to Pub/Sub while the database is away — also for a Connector registered just before.
 */
export type ConnectorRegistry = {
  ingestCredential(connectorId: string): IngestCredential | undefined;
  /** What Postgres just answered for one Connector (undefined: no such Connector). */
  remember(connectorId: string, credential: IngestCredential | undefined): void;
  refresh(): Promise<void>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
};

export function createConnectorRegistry(db: Pool, logger: Logger): ConnectorRegistry {
  let credentials = new Map<string, IngestCredential>();
  let task: PeriodicTask | undefined;
  const refresh = async () => {
    const rows = await listIngestCredentials(db);
    credentials = new Map(
      rows.map((row) => [row.id, { keyHash: row.ingest_key_hash, enabled: row.enabled }]),
    );
  };
  return {
    ingestCredential: (connectorId) => credentials.get(connectorId),
    remember(connectorId, credential) {
      if (credential) credentials.set(connectorId, credential);
      else credentials.delete(connectorId);
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
