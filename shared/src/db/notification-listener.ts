import pg from "pg";
import { backoffDelayMs, type Backoff } from "../backoff.ts";

/** What the listener logs; a pino logger fits. */
type ListenerLogger = {
  warn(fields: object, message: string): void;
  info(message: string): void;
};

export type NotificationListenerOptions = {
  connectionString: string;
  /** A channel name (an SQL identifier: lower case, digits, underscores). */
  channel: string;
  /** Names the LISTEN connection in pg_stat_activity. */
  applicationName: string;
  logger: ListenerLogger;
  onNotification: (payload: string | undefined) => void;
  /**
   * Called once a lost connection listens again: a NOTIFY sent while it was away is gone, so the
   * caller looks for work now instead of waiting for its poll.
   */
  onResumed?: () => void;
  /** Between attempts to reopen a lost connection. Default 0.1 s doubling to 5 s, ±20 %. */
  backoff?: Backoff;
};

export type NotificationListener = { stop(): Promise<void> };

const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 5000, jitterRatio: 0.2 };
const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Holds one LISTEN connection of its own (a pool's clients come and go) and reopens it with
 * backoff when it is lost — an `error` or an `end` (Postgres restarted, the backend terminated),
 * whichever comes first — until `stop()`. Until then the caller's poll is the fallback. Resolves
 * after the first attempt, whether it succeeded or not (a failure is retried already).
 *
 * Not `pg-listen`: its last release (1.7.0) is from 2020, it retries at a fixed interval and gives
 * up with a fatal error once its retry timeout has passed, where the hub must keep trying for as
 * long as the process runs; what it would add over this file is a dependency.
 */
export async function listenForNotifications(
  options: NotificationListenerOptions,
): Promise<NotificationListener> {
  if (!CHANNEL_NAME.test(options.channel)) throw new RangeError(`not a channel name: "${options.channel}"`);
  const { logger } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let stopped = false;

  const reopenLater = (lost: pg.Client, error: unknown) => {
    if (stopped || client !== lost) return; // stopping, or this client's loss was already handled
    client = undefined;
    lost.end().catch(() => undefined);
    failures += 1;
    const retryInMs = backoffDelayMs(backoff, failures);
    logger.warn({ err: error, channel: options.channel, retryInMs }, "LISTEN connection lost; reopening");
    retryTimer = setTimeout(() => void open(), retryInMs);
  };

  const open = async () => {
    const opening = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName,
    });
    client = opening;
    opening.on("notification", (message) => options.onNotification(message.payload));
    opening.on("error", (error) => reopenLater(opening, error));
    opening.on("end", () => reopenLater(opening, new Error("connection ended")));
    try {
      await opening.connect();
      await opening.query(`LISTEN ${options.channel}`);
    } catch (error) {
      reopenLater(opening, error);
      return;
    }
    if (failures > 0) {
      logger.info(`LISTEN ${options.channel} connection reopened`);
      failures = 0;
      options.onResumed?.();
    }
  };

  await open();
  return {
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => undefined);
    },
  };
}
