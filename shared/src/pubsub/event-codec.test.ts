import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HubEvent } from "./event-codec.ts";
import {
  MAX_ATTRIBUTE_KEY_BYTES,
  MAX_ATTRIBUTE_VALUE_BYTES,
  MAX_ATTRIBUTES,
  MAX_EVENT_DATA_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_ORDERING_KEY_BYTES,
  decodeEvent,
  encodeEvent,
} from "./event-codec.ts";

const event: HubEvent = {
  id: "evt_01JZ8Q4D5X0000000000000000",
  trigger: "transport.messageReceived",
  data: { id: "MSGxxxxxxxxxxxxxxxxx", content: { "@type": "Mail", subject: "Grüße" } },
  connectorId: "acme",
  correlationId: "5e0f7a1c-1b7c-4a53-8f34-0f5f0a1f3f11",
  time: "2026-03-01T10:20:30.123Z",
};

function encoded(input: HubEvent) {
  const result = encodeEvent(input);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

describe("encodeEvent", () => {
  it("sets exactly the attributes of the contract, the Connector id as ordering key and the data as JSON", () => {
    const message = encoded(event);
    expect(message.attributes).toStrictEqual({
      "ce-specversion": "1.0",
      "ce-id": "evt_01JZ8Q4D5X0000000000000000",
      "ce-type": "transport.messageReceived",
      "ce-source": "connectors/acme",
      "ce-time": "2026-03-01T10:20:30.123Z",
      namespace: "transport.messageReceived",
      connectorId: "acme",
      correlationId: "5e0f7a1c-1b7c-4a53-8f34-0f5f0a1f3f11",
    });
    expect(message.orderingKey).toBe("acme");
    expect(message.data.toString("utf8")).toBe(
      '{"id":"MSGxxxxxxxxxxxxxxxxx","content":{"@type":"Mail","subject":"Grüße"}}',
    );
  });

  it("leaves correlationId out when it is not known", () => {
    const { correlationId: _omitted, ...withoutCorrelation } = event;
    expect(encoded(withoutCorrelation).attributes).not.toHaveProperty("correlationId");
    expect(encoded({ ...event, correlationId: "" }).attributes).not.toHaveProperty("correlationId");
  });

  it.each([
    ["undefined", undefined, "{}"],
    ["null", null, "{}"],
    ["an array", [1, "a"], '[1,"a"]'],
    ["a string", "text", '"text"'],
    ["false", false, "false"],
  ])("sends data %s as the Connector's broker publisher does", (_name, data, body) => {
    expect(encoded({ ...event, data }).data.toString()).toBe(body);
  });

  it.each([
    ["an empty id", { id: "" }, "event id is empty"],
    ["an empty trigger", { trigger: "" }, "event trigger is empty"],
    ["an empty Connector id", { connectorId: "" }, "event connectorId is empty"],
    ["a time that is not RFC 3339", { time: "1 March 2026" }, 'event time "1 March 2026" is not RFC 3339'],
    ["data without a JSON form", { data: () => 1 }, "event data of type function has no JSON form"],
  ])("rejects %s", (_name, patch, reason) => {
    expect(encodeEvent({ ...event, ...patch })).toStrictEqual({ ok: false, kind: "invalid", reason });
  });

  it("rejects data that cannot be serialised instead of throwing", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(encodeEvent({ ...event, data: circular })).toMatchObject({ ok: false, kind: "invalid" });
    expect(encodeEvent({ ...event, data: { n: 1n } })).toMatchObject({ ok: false, kind: "invalid" });
  });
});

describe("encodeEvent limits", () => {
  it("exports limits that add up: the data budget leaves room for the largest attributes", () => {
    expect(MAX_MESSAGE_BYTES).toBe(10_000_000);
    expect(MAX_ATTRIBUTES).toBe(100);
    expect(MAX_ATTRIBUTE_KEY_BYTES).toBe(256);
    expect(MAX_ATTRIBUTE_VALUE_BYTES).toBe(1024);
    expect(MAX_ORDERING_KEY_BYTES).toBe(1024);
    // 75 bytes of attribute keys, 8 values of up to 1024 bytes, a 1024-byte ordering key.
    expect(MAX_EVENT_DATA_BYTES).toBe(10_000_000 - 75 - 8 * 1024 - 1024);
  });

  it("accepts data of MAX_EVENT_DATA_BYTES with every attribute at its largest", () => {
    const long = "x".repeat(1000);
    const data = "d".repeat(MAX_EVENT_DATA_BYTES - 2); // the JSON string adds two quotes
    const result = encodeEvent({
      ...event,
      id: long,
      trigger: long,
      correlationId: long,
      connectorId: long,
      data,
    });
    expect(result.ok).toBe(true);
  });

  it("rejects a message over MAX_MESSAGE_BYTES, counting data, attributes and ordering key", () => {
    const message = encoded({ ...event, data: "" });
    const overhead =
      Object.entries(message.attributes).reduce((sum, [k, v]) => sum + Buffer.byteLength(k + v), 0) +
      message.orderingKey.length;
    const fits = MAX_MESSAGE_BYTES - overhead - 2;
    expect(encodeEvent({ ...event, data: "d".repeat(fits) }).ok).toBe(true);
    expect(encodeEvent({ ...event, data: "d".repeat(fits + 1) })).toStrictEqual({
      ok: false,
      kind: "limit",
      limit: "messageBytes",
      actual: MAX_MESSAGE_BYTES + 1,
      max: MAX_MESSAGE_BYTES,
      reason: `message size is ${MAX_MESSAGE_BYTES + 1}, over the limit ${MAX_MESSAGE_BYTES}`,
    });
  });

  it("rejects an attribute value over 1024 bytes and names the attribute (bytes, not characters)", () => {
    const correlationId = "ü".repeat(513); // 1026 bytes in UTF-8
    expect(encodeEvent({ ...event, correlationId })).toStrictEqual({
      ok: false,
      kind: "limit",
      limit: "attributeValueBytes",
      actual: 1026,
      max: 1024,
      reason: "attribute correlationId size is 1026, over the limit 1024",
    });
    expect(encodeEvent({ ...event, correlationId: "ü".repeat(512) }).ok).toBe(true);
  });

  it("rejects a trigger over 1024 bytes through ce-type", () => {
    expect(encodeEvent({ ...event, trigger: "t".repeat(1025) })).toMatchObject({
      limit: "attributeValueBytes",
      reason: "attribute ce-type size is 1025, over the limit 1024",
    });
  });

  it("rejects a Connector id whose ce-source passes 1024 bytes before the ordering key does", () => {
    expect(encodeEvent({ ...event, connectorId: "c".repeat(1014) })).toMatchObject({
      limit: "attributeValueBytes",
      reason: "attribute ce-source size is 1025, over the limit 1024",
    });
    expect(encodeEvent({ ...event, connectorId: "c".repeat(1013) }).ok).toBe(true);
  });
});

describe("decodeEvent", () => {
  it("round-trips an encoded event", () => {
    const message = encoded(event);
    expect(decodeEvent({ ...message, id: "123" })).toStrictEqual({ ok: true, form: "cloudevents", event });
  });

  it("round-trips any JSON data (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.uuid(), { nil: undefined }), (data, correlationId) => {
        const input: HubEvent = { ...event, data, correlationId };
        if (correlationId === undefined) delete input.correlationId;
        const decoded = decodeEvent(encoded(input));
        const expected = { ...input, data: JSON.parse(JSON.stringify(data ?? {})) as unknown };
        expect(decoded).toStrictEqual({ ok: true, form: "cloudevents", event: expected });
      }),
    );
  });

  it("reads undefined data back as {}", () => {
    const decoded = decodeEvent(encoded({ ...event, data: undefined }));
    expect(decoded.ok && decoded.event.data).toStrictEqual({});
  });

  it("keeps __proto__ and constructor.prototype keys of data as they were sent", () => {
    const text = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}';
    const message = encoded({ ...event, data: JSON.parse(text) as unknown });
    expect(message.data.toString()).toBe(text);
    const decoded = decodeEvent(message);
    expect(JSON.stringify(decoded.ok && decoded.event.data)).toBe(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads the Connector's broker-publisher form: only a namespace attribute, data = event data", () => {
    const decoded = decodeEvent({
      data: Buffer.from('{"id":"REL1","status":"Pending"}'),
      attributes: { namespace: "transport.relationshipChanged" },
      id: "4711",
      publishTime: new Date("2026-03-01T10:20:30.123Z"),
    });
    expect(decoded).toStrictEqual({
      ok: true,
      form: "connector-broker",
      event: {
        trigger: "transport.relationshipChanged",
        data: { id: "REL1", status: "Pending" },
        messageId: "4711",
        time: "2026-03-01T10:20:30.123Z",
      },
    });
  });

  it("reads the broker form without message id or publish time", () => {
    expect(decodeEvent({ data: Buffer.from("{}"), attributes: { namespace: "a.b" } })).toStrictEqual({
      ok: true,
      form: "connector-broker",
      event: { trigger: "a.b", data: {} },
    });
  });

  it("takes the Connector id from ce-source when the connectorId attribute is missing", () => {
    const { connectorId: _dropped, ...attributes } = encoded(event).attributes;
    const decoded = decodeEvent({ data: Buffer.from("{}"), attributes });
    expect(decoded.ok && decoded.form === "cloudevents" && decoded.event.connectorId).toBe("acme");
  });

  const ce = encoded(event).attributes;
  it.each([
    ["malformed JSON", Buffer.from("{not json"), ce, /^data is not JSON: /],
    ["empty data", Buffer.alloc(0), ce, /^data is not JSON: /],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), ce, /^data is not JSON: /],
    ["no attributes at all", Buffer.from("{}"), undefined, /^no trigger/],
    ["null attributes", Buffer.from("{}"), null, /^no trigger/],
    ["no trigger", Buffer.from("{}"), { connectorId: "acme" }, /^no trigger/],
    [
      "an unknown spec version",
      Buffer.from("{}"),
      { ...ce, "ce-specversion": "0.3" },
      /ce-specversion "0.3"/,
    ],
    ["no ce-id", Buffer.from("{}"), { ...ce, "ce-id": "" }, /^no ce-id/],
    ["no Connector id", Buffer.from("{}"), { ...ce, connectorId: "", "ce-source": "x" }, /^no connectorId/],
    ["a bad ce-time", Buffer.from("{}"), { ...ce, "ce-time": "yesterday" }, /^ce-time "yesterday"/],
  ])("answers ok: false for %s", (_name, data, attributes, reason) => {
    const decoded = decodeEvent({ data, attributes });
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toMatch(reason);
  });
});
