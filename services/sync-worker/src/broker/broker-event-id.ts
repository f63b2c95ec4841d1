import { derivedId } from "@event-hub/shared";

/**
 * The `evt_` id of the event a broker message becomes, the same on every redelivery: time = the
 * message's publish time, the other 80 bits from sha256(subscription, message id) (`derivedId`).
 * It sorts by publish time like `newId("evt")`; within one millisecond the order is arbitrary (but
 * the topic's order is the ordering key's, not the id's).
 */
export function brokerEventId(publishTimeMs: number, subscription: string, messageId: string): string {
  return derivedId("evt", publishTimeMs, [subscription, messageId]);
}
