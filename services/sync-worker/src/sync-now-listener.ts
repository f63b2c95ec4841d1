import pg from "pg";
import type { Logger } from "pino";

/** api-gateway's "sync now": NOTIFY on this channel with the Connector id as payload. */
export const SYNC_REQUESTED_CHANNEL = "connector_sync_requested";

/** Names the LISTEN connection in pg_stat_activity. */
export const SYNC_NOW_APPLICATION_NAME = "sync-worker-sync-now";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

export type SyncNowListener = { stop(): Promise<void> };

/**
 * Holds a LISTEN connection for "sync now" and calls `onRequest` for every NOTIFY. A lost
 * connection (Postgres restarted, the backend terminated) is reopened with backoff; until then
 * requests wait for the scheduler's tick, and once reopened `onRequest` runs at once, since a
 * NOTIFY sent in between is gone. Resolves after the first attempt, whether it succeeded or not.
 */
export async function startSyncNowListener(options: {
  databaseUrl: string;
  logger: Logger;
  onRequest: () => void;
}): Promise<SyncNowListener> {
  const { logger } = options;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = FIRST_RETRY_MS;
  let stopped = false;

  const reopenLater = (lost: pg.Client, error: unknown) => {
    if (stopped || client !== lost) return; // stopping, or this client's loss was already handled
    client = undefined;
    lost.end().catch(() => undefined);
    logger.warn({ err: error, retryInMs: retryMs }, "LISTEN connection lost; sync-now waits for the tick");
    retryTimer = setTimeout(open, retryMs);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  };

  const open = async () => {
    const opening = new pg.Client({
      connectionString: options.databaseUrl,
      application_name: SYNC_NOW_APPLICATION_NAME,
    });
    client = opening;
    opening.on("notification", options.onRequest);
    opening.on("error", (error) => reopenLater(opening, error));
    opening.on("end", () => reopenLater(opening, new Error("connection ended")));
    try {
      await opening.connect();
      await opening.query(`LISTEN ${SYNC_REQUESTED_CHANNEL}`);
    } catch (error) {
      reopenLater(opening, error);
      return;
    }
    if (retryMs !== FIRST_RETRY_MS) {
      logger.info("LISTEN connection reopened");
      retryMs = FIRST_RETRY_MS;
      options.onRequest();
    }
  };

  await open(); // the first attempt, so a started scheduler hears requests (or retries already)
  return {
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    },
  };
}
