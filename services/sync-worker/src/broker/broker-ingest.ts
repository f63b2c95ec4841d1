import { createPeriodicTask } from "@event-hub/shared";
import type { Logger } from "pino";
import { listBrokerSubscriptions } from "../store/connectors.ts";
import { planBrokerConsumers } from "./broker-consumer-plan.ts";
import {
  startBrokerConsumer,
  type BrokerConsumer,
  type BrokerConsumerDeps,
} from "./broker-subscription-consumer.ts";

export type BrokerIngestOptions = BrokerConsumerDeps & {
  logger: Logger;
  refreshMs: number;
  /** Whether this replica consumes this Connector's broker subscription (it holds its sync lease). */
  owns(connectorId: string): boolean;
};

export type BrokerIngest = {
  start(): void;
  /** Reads the registry and starts/stops consumers now (the timer does it every `refreshMs`). */
  refresh(): Promise<void>;
  /** Connector id → the subscription this replica consumes for it. */
  consuming(): ReadonlyMap<string, string>;
  stop(): Promise<void>;
};

/**
 * Broker ingest: every `refreshMs` reads which enabled Connectors have a `broker_subscription`,
 * keeps those this replica owns, and starts, stops or switches their consumers, so added, removed
 * and changed subscriptions and lease handovers take effect without a restart. A consumer whose
 * subscription does not exist (yet, or any more) waits for it and resumes by itself.
 */
export function createBrokerIngest(options: BrokerIngestOptions): BrokerIngest {
  const { logger } = options;
  const running = new Map<string, { subscription: string; consumer: BrokerConsumer }>();
  let refreshing: Promise<void> = Promise.resolve();

  const stopConsumer = async (connectorId: string) => {
    const entry = running.get(connectorId);
    if (!entry) return;
    running.delete(connectorId);
    await entry.consumer
      .stop()
      .catch((error: unknown) =>
        logger.warn({ err: error, connectorId }, "broker consumer did not stop cleanly"),
      );
  };

  const startConsumer = (connectorId: string, subscription: string) => {
    const consumer = startBrokerConsumer(options, { connectorId, subscription });
    running.set(connectorId, { subscription, consumer });
  };

  const reconcile = async () => {
    const rows = await listBrokerSubscriptions(options.db);
    const wanted = new Map(
      rows.filter((row) => options.owns(row.id)).map((row) => [row.id, row.broker_subscription]),
    );
    const current = new Map([...running].map(([id, entry]) => [id, entry.subscription]));
    const plan = planBrokerConsumers(current, wanted);
    await Promise.all(plan.stop.map(stopConsumer));
    for (const { connectorId, subscription } of plan.start) startConsumer(connectorId, subscription);
    if (plan.stop.length + plan.start.length > 0) {
      logger.info({ stopped: plan.stop, started: plan.start }, "broker subscriptions changed");
    }
    options.metrics.brokerSubscriptions.set(running.size);
  };

  const refresh = () => {
    refreshing = refreshing.catch(() => undefined).then(reconcile);
    return refreshing;
  };

  const refresher = createPeriodicTask({
    name: "broker ingest refresh",
    intervalMs: options.refreshMs,
    run: refresh,
    logger,
  });

  return {
    start: refresher.start,
    refresh,
    consuming: () => new Map([...running].map(([id, entry]) => [id, entry.subscription])),
    async stop() {
      await refresher.stop();
      await refreshing.catch(() => undefined); // a refresh() called from outside the timer
      await Promise.all([...running.keys()].map(stopConsumer));
      options.metrics.brokerSubscriptions.set(0);
    },
  };
}
