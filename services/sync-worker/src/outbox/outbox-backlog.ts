/**
 * Which Connectors have events waiting in the outbox. While one has, its new events go to the
 * outbox too, behind the older ones, so the relay publishes them in the order ingest accepted them.
 * A Connector is marked before its outbox write; the relay clears it only when the database shows
 * nothing left and no write began since the relay looked (`generation`).
 */
export type OutboxBacklog = {
  has(connectorId: string): boolean;
  mark(connectorId: string): void;
  /** A token taken before the relay reads the outbox. */
  generation(): number;
  /** After a relay pass: exactly `waiting`, plus whatever was marked after `since`. */
  replace(waiting: readonly string[], since: number): void;
  size(): number;
};

export function createOutboxBacklog(): OutboxBacklog {
  let counter = 0;
  const markedAt = new Map<string, number>();
  return {
    has: (connectorId) => markedAt.has(connectorId),
    mark: (connectorId) => void markedAt.set(connectorId, ++counter),
    generation: () => counter,
    replace: (waiting, since) => {
      for (const [connectorId, marked] of markedAt) {
        if (marked <= since) markedAt.delete(connectorId);
      }
      for (const connectorId of waiting) {
        if (!markedAt.has(connectorId)) markedAt.set(connectorId, since);
      }
    },
    size: () => markedAt.size,
  };
}
