import { DELIVERIES_DUE_CHANNEL } from "@event-hub/shared";
import pg from "pg";
import type { Logger } from "pino";

export type WakeListener = { stop(): Promise<void> };

/**
 * LISTENs on the delivery queue's `deliveries_due` with a connection of its own and calls `onWake` per notification, so
 * idle workers start at once without polling hard. A lost connection is re-opened with backoff;
 * meanwhile the delivery loop's poll still finds the work.
 */
export function listenForDueDeliveries(
  connectionString: string,
  logger: Logger,
  onWake: () => void,
  retryMs = { first: 500, max: 30_000 },
): WakeListener {
  let client: pg.Client | undefined;
  let stopped = false;
  let delayMs = retryMs.first;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString, application_name: "webhook-dispatcher-listen" });
    next.on("notification", () => onWake());
    next.on("error", (error) => {
      logger.warn({ err: error }, "LISTEN connection failed; reconnecting");
      void next.end().catch(() => undefined);
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${DELIVERIES_DUE_CHANNEL}`);
      if (stopped) return void (await next.end());
      client = next;
      delayMs = retryMs.first;
      onWake(); // notifications sent while we were away are lost: look once
    } catch (error) {
      logger.warn({ err: error }, "LISTEN connection could not be opened; retrying");
      void next.end().catch(() => undefined);
      scheduleReconnect();
    }
  };

  const scheduleReconnect = (): void => {
    client = undefined;
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delayMs);
    delayMs = Math.min(delayMs * 2, retryMs.max);
  };

  void connect();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
