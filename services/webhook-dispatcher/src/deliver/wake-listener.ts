import { DELIVERIES_DUE_CHANNEL, listenForNotifications, type NotificationListener } from "@event-hub/shared";
import type { Logger } from "pino";

/** Names the LISTEN connection in pg_stat_activity. */
const WAKE_APPLICATION_NAME = "webhook-dispatcher-listen";

/**
 * Calls `onWake` for every NOTIFY on the delivery queue's wake-up channel (`DELIVERIES_DUE_CHANNEL`), so idle workers start at
 * once without polling hard. A lost connection (`error` or `end`) is reopened with backoff (0.5 s
 * doubling to 30 s, ±20 %); meanwhile the delivery loop's poll still finds the work. `onWake` also
 * runs once the LISTEN has started and after every reopen, since a NOTIFY sent while no one listened
 * is gone.
 */
export async function listenForDueDeliveries(
  connectionString: string,
  logger: Logger,
  onWake: () => void,
): Promise<NotificationListener> {
  const listener = await listenForNotifications({
    connectionString,
    channel: DELIVERIES_DUE_CHANNEL,
    applicationName: WAKE_APPLICATION_NAME,
    logger,
    onNotification: () => onWake(),
    onResumed: onWake,
    backoff: { initialMs: 500, maxMs: 30_000, jitterRatio: 0.2 },
  });
  onWake();
  return listener;
}
