import { listenForNotifications, SYNC_REQUESTED_CHANNEL, type NotificationListener } from "@event-hub/shared";
import type { Logger } from "pino";

/** Names the LISTEN connection in pg_stat_activity. */
export const SYNC_NOW_APPLICATION_NAME = "sync-worker-sync-now";

/**
 * Calls `onRequest` for every "sync now" (api-gateway's NOTIFY on `connector_sync_requested`). A lost
 * connection is reopened with backoff (0.1 s doubling to 5 s); until then requests wait for the
 * scheduler's tick, and once reopened `onRequest` runs at once, since a NOTIFY sent in between is gone.
 */
export async function startSyncNowListener(options: {
  databaseUrl: string;
  logger: Logger;
  onRequest: () => void;
}): Promise<NotificationListener> {
  return await listenForNotifications({
    connectionString: options.databaseUrl,
    channel: SYNC_REQUESTED_CHANNEL,
    applicationName: SYNC_NOW_APPLICATION_NAME,
    logger: options.logger,
    onNotification: options.onRequest,
    onResumed: options.onRequest,
  });
}
