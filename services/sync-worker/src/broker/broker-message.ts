import {
  decodeEvent,
  encodeEvent,
  isValidTrigger,
  newId,
  type EncodedEvent,
  type HubEvent,
  type PubSubMessageInput,
} from "@event-hub/shared";
import { brokerEventId } from "./broker-event-id.ts";

/** Which Connector a broker subscription belongs to. */
export type BrokerSource = { connectorId: string; subscription: string };

export type BrokerMessageResult =
  | { ok: true; event: HubEvent; message: EncodedEvent }
  /** It can never become an event: acked and counted, never retried. */
  | { ok: false; reason: string };

/**
 * Turns a message of a Connector's `messageBrokerPublisher` (type PubSub: attribute `namespace`,
 * data = JSON of the event data) into a hub event: trigger = namespace, data as sent, the Connector
 * id of its subscription, time = publish time, an id derived from the message id (stable across
 * redeliveries), a correlation id only when an attribute `correlationId` carries one. Pure.
 */
export function toHubEvent(input: PubSubMessageInput, source: BrokerSource): BrokerMessageResult {
  const decoded = decodeEvent(input);
  if (!decoded.ok) return decoded;
  if (decoded.form !== "connector-broker") {
    return { ok: false, reason: "a CloudEvents message, not the Connector's broker form" };
  }
  const { trigger, data, messageId, time } = decoded.event;
  if (!isValidTrigger(trigger))
    return { ok: false, reason: `namespace "${trigger}" is not a dotted event name` };
  const correlationId = input.attributes?.correlationId;
  const event: HubEvent = {
    // Without a message id or publish time (never from Pub/Sub itself) redeliveries cannot be recognised.
    id: messageId && time ? brokerEventId(Date.parse(time), source.subscription, messageId) : newId("evt"),
    trigger,
    data,
    connectorId: source.connectorId,
    time: time ?? new Date().toISOString(),
    ...(correlationId ? { correlationId } : {}),
  };
  const encoded = encodeEvent(event);
  return encoded.ok ? { ok: true, event, message: encoded.message } : { ok: false, reason: encoded.reason };
}
