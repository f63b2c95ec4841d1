import { type AmqpDestinationConfig, type ClaimedDelivery } from "@event-hub/shared";

/** One AMQP publish, ready to go: what `ConfirmChannel.publish` takes. */
export type AmqpMessage = {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: {
    persistent: true;
    contentType: "application/json";
    messageId: string;
    /** Seconds since the epoch (AMQP's timestamp property) of when the Connector raised the event. */
    timestamp: number;
    appId: string;
    headers: Record<string, string>;
  };
};

const DEFAULT_ROUTING_KEY = "{{trigger}}";
const AMQP_APP_ID = "connector-event-hub";

/**
 * The message the Connector's AMQP publisher would send — routing key = trigger, body = the event
 * data only (as stored, byte for byte) — plus what makes it safe to consume: persistent, a content
 * type, `message-id` = event id (consumers de-duplicate by it) and headers naming the event.
 * `{{trigger}}` and `{{connectorId}}` in the routing key template are replaced everywhere.
 */
export function prepareAmqpMessage(delivery: ClaimedDelivery, config: AmqpDestinationConfig): AmqpMessage {
  const headers: Record<string, string> = {
    trigger: delivery.trigger,
    connectorId: delivery.connectorId,
  };
  if (delivery.correlationId) headers.correlationId = delivery.correlationId;
  return {
    exchange: config.exchange,
    routingKey: (config.routingKey ?? DEFAULT_ROUTING_KEY)
      .replaceAll("{{trigger}}", delivery.trigger)
      .replaceAll("{{connectorId}}", delivery.connectorId),
    content: Buffer.from(delivery.dataText, "utf8"),
    options: {
      persistent: true,
      contentType: "application/json",
      messageId: delivery.eventId,
      timestamp: Math.floor(delivery.occurredAt.getTime() / 1000),
      appId: AMQP_APP_ID,
      headers,
    },
  };
}
