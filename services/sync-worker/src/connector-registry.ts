import type { Pool } from "pg";
import type { Logger } from "pino";
import { listIngestCredentials } from "./store/connectors.ts";

/** What ingest needs to know of a Connector: its credential's sha256 (hex) and whether it may ingest. */
export type IngestCredential = { keyHash: string; enabled: boolean };

/**
 * The last known ingest credentials of every Connector, refreshed from Postgres. Ingest asks
 * Postgres first (rotation, new and disabled Connectors take effect at once) and falls back to this
 * copy only when Postgres does not answer, so events keep flowing to Pub/Sub while the database is away.
 */
export type ConnectorRegistry = {
  ingestCredential(connectorId: string): IngestCredential | undefined;
  refresh(): Promise<void>;
  start(intervalMs: number): void;
  stop(): void;
};

export function createConnectorRegistry(db: Pool, logger: Logger): ConnectorRegistry {
  let credentials = new Map<string, IngestCredential>();
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    const rows = await listIngestCredentials(db);
    credentials = new Map(
      rows.map((row) => [row.id, { keyHash: row.ingest_key_hash, enabled: row.enabled }]),
    );
  };
  return {
    ingestCredential: (connectorId) => credentials.get(connectorId),
    refresh,
    start(intervalMs) {
      const tick = () => {
        refresh()
          .catch((error: unknown) => logger.warn({ err: error }, "connector registry refresh failed"))
          .finally(() => {
            if (timer) timer = setTimeout(tick, intervalMs).unref();
          });
      };
      timer = setTimeout(tick, 0).unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
