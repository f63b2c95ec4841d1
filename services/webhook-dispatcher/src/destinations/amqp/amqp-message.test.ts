import { describe, expect, it } from "vitest";
import { claimedDelivery } from "../../../test/claimed-delivery.ts";
import { prepareAmqpMessage } from "./amqp-message.ts";

const delivery = claimedDelivery({ occurredAt: new Date("2026-01-01T00:00:00.900Z") });

describe("prepareAmqpMessage", () => {
  it("publishes like the Connector (routing key = trigger, body = data as stored) with safe properties", () => {
    const message = prepareAmqpMessage(delivery, { urlSealed: "x", exchange: "events" });
    expect(message.exchange).toBe("events");
    expect(message.routingKey).toBe("transport.messageReceived");
    expect(message.content.toString("utf8")).toBe(delivery.dataText);
    expect(message.options).toStrictEqual({
      persistent: true,
      contentType: "application/json",
      messageId: delivery.eventId,
      timestamp: 1767225600,
      appId: "connector-event-hub",
      headers: { trigger: delivery.trigger, connectorId: "acme", correlationId: "corr-1" },
    });
  });

  it.each([
    ["{{trigger}}", "transport.messageReceived"],
    ["hub.{{connectorId}}.{{trigger}}", "hub.acme.transport.messageReceived"],
    ["{{trigger}}.{{trigger}}", "transport.messageReceived.transport.messageReceived"],
    ["fixed", "fixed"],
    ["", ""],
  ])("routing key template %j → %j", (template, expected) => {
    expect(
      prepareAmqpMessage(delivery, { urlSealed: "x", exchange: "e", routingKey: template }).routingKey,
    ).toBe(expected);
  });

  it("leaves the correlationId header out when the event has none", () => {
    const message = prepareAmqpMessage(
      { ...delivery, correlationId: null },
      { urlSealed: "x", exchange: "" },
    );
    expect(message.options.headers).toStrictEqual({ trigger: delivery.trigger, connectorId: "acme" });
  });
});
