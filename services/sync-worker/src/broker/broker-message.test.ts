import { decodeEvent, idTime, isId } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { toHubEvent } from "./broker-message.ts";

const source = { connectorId: "acme", subscription: "acme-broker" };
const publishTime = new Date("2025-06-01T12:00:00.123Z");

// What the Connector's PubSub publisher sends: attribute namespace, data = JSON.stringify(event.data).
const brokerMessage = (data: unknown, attributes: Record<string, string> = {}) => ({
  data: Buffer.from(JSON.stringify(data)),
  attributes: { namespace: "transport.messageReceived", ...attributes },
  id: "4711",
  publishTime,
});

describe("toHubEvent", () => {
  it("passes data with __proto__ and constructor.prototype keys through byte for byte", () => {
    const dataText =
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"list":[["ü",{"__proto__":null}]]}';
    const message = { ...brokerMessage({}), data: Buffer.from(dataText) };
    const result = toHubEvent(message, source);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.data.toString("utf8")).toBe(dataText);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("normalises a broker message to the hub's contract", () => {
    const result = toHubEvent(brokerMessage({ id: "MSG1", content: { a: 1 } }), source);
    if (!result.ok) throw new Error(result.reason);
    expect(result.event).toStrictEqual({
      id: result.event.id,
      trigger: "transport.messageReceived",
      data: { id: "MSG1", content: { a: 1 } },
      connectorId: "acme",
      time: "2025-06-01T12:00:00.123Z",
    });
    expect(isId(result.event.id, "evt")).toBe(true);
    expect(idTime(result.event.id)).toStrictEqual(publishTime);
    expect(result.message.orderingKey).toBe("acme");
    expect(result.message.attributes).toStrictEqual({
      "ce-specversion": "1.0",
      "ce-id": result.event.id,
      "ce-type": "transport.messageReceived",
      "ce-source": "connectors/acme",
      "ce-time": "2025-06-01T12:00:00.123Z",
      namespace: "transport.messageReceived",
      connectorId: "acme",
    });
    expect(result.message.data.toString()).toBe(JSON.stringify({ id: "MSG1", content: { a: 1 } }));
    const roundTrip = decodeEvent({ data: result.message.data, attributes: result.message.attributes });
    expect(roundTrip.ok && roundTrip.form === "cloudevents" && roundTrip.event).toStrictEqual(result.event);
  });

  it("gives a redelivered message the same id", () => {
    const first = toHubEvent(brokerMessage({}), source);
    const again = toHubEvent(brokerMessage({}), source);
    expect(first.ok && again.ok && first.event.id === again.event.id).toBe(true);
  });

  it("keeps a correlation id only when an attribute carries one", () => {
    const result = toHubEvent(brokerMessage({}, { correlationId: "corr-1" }), source);
    expect(result.ok && result.event.correlationId).toBe("corr-1");
    expect(result.ok && result.message.attributes.correlationId).toBe("corr-1");
  });

  it.each([
    ["no namespace", { data: Buffer.from("{}"), attributes: {} }, "no trigger"],
    ["data not JSON", { data: Buffer.from("not json"), attributes: { namespace: "a.b" } }, "not JSON"],
    ["a bad namespace", { data: Buffer.from("{}"), attributes: { namespace: "a..b" } }, "dotted"],
    [
      "a CloudEvents message",
      {
        data: Buffer.from("{}"),
        attributes: {
          "ce-specversion": "1.0",
          "ce-id": "evt_1",
          "ce-type": "a.b",
          "ce-time": "2025-06-01T12:00:00Z",
          connectorId: "other",
        },
      },
      "CloudEvents",
    ],
  ])("rejects a message with %s", (_, input, reason) => {
    const result = toHubEvent(input, source);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });
});
