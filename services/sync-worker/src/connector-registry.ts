import type { Pool } from "pg";
import type { Logger } from "pino";
import { listIngestCredentials } from "./store/connectors.ts";

/**
 * The last known ingest credential hashes of every Connector, refreshed from Postgres. Ingest asks
 * Postgres first (rotation and new Connectors take effect at once) and falls back to this copy only
 * when Postgres does not answer, so events keep flowing to Pub/Sub while the database is away.
 */
export type ConnectorRegistry = {
  ingestKeyHash(connectorId: string): string | undefined;
  refresh(): Promise<void>;
  start(intervalMs: number): void;
  stop(): void;
};

export function createConnectorRegistry(db: Pool, logger: Logger): ConnectorRegistry {
  let hashes = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    const rows = await listIngestCredentials(db);
    hashes = new Map(rows.map((row) => [row.id, row.ingest_key_hash]));
  };
  return {
    ingestKeyHash: (connectorId) => hashes.get(connectorId),
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
