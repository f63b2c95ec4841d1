/** Connector id → the broker subscription consumed for it. */
export type BrokerAssignments = ReadonlyMap<string, string>;

export type BrokerConsumerPlan = {
  /** Connectors whose consumer stops (no longer wanted, or its subscription changed). */
  stop: string[];
  /** Connectors whose consumer starts, with their subscription. */
  start: Array<{ connectorId: string; subscription: string }>;
};

/**
 * What to change so this replica consumes exactly `wanted`: the broker subscriptions of enabled
 * Connectors it holds the lease of. A changed subscription is a stop and a start. Pure.
 */
export function planBrokerConsumers(
  running: BrokerAssignments,
  wanted: BrokerAssignments,
): BrokerConsumerPlan {
  const stop = [...running].filter(([id, subscription]) => wanted.get(id) !== subscription).map(([id]) => id);
  const start = [...wanted]
    .filter(([id, subscription]) => running.get(id) !== subscription)
    .map(([connectorId, subscription]) => ({ connectorId, subscription }));
  return { stop, start };
}
