/**
 * The broker messages this process accepted lately (subscription + message id), so a redelivery
 * that arrives after the acceptance — an ack lost or sent after the ack deadline — is acked
 * without publishing the event again. Bounded: the oldest entries go first. After a restart or a
 * lease handover a redelivery is published again, with the same event id (consumers de-duplicate).
 */
export type RecentlyAccepted = {
  has(subscription: string, messageId: string): boolean;
  add(subscription: string, messageId: string): void;
};

export function createRecentlyAccepted(capacity: number): RecentlyAccepted {
  const keys = new Set<string>();
  const key = (subscription: string, messageId: string) => `${subscription}\n${messageId}`;
  return {
    has: (subscription, messageId) => keys.has(key(subscription, messageId)),
    add(subscription, messageId) {
      keys.add(key(subscription, messageId));
      // A Set iterates in insertion order: the first key is the oldest.
      for (const oldest of keys) {
        if (keys.size <= capacity) break;
        keys.delete(oldest);
      }
    },
  };
}
