/**
 * The message contract on `connector-events` (DESIGN §3): CloudEvents binary binding whose data is exactly
 * what the Connector's own Pub/Sub broker publisher sends, so consumers of either read the same body.
 * Pure: no I/O.
 */

export type HubEvent = {
  id: string;
  trigger: string;
  data: unknown;
  connectorId: string;
  correlationId?: string;
  /** RFC 3339 */
  time: string;
};

export type EncodedEvent = {
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
};

// Pub/Sub resource limits. The emulator enforces none of them (reference/pubsub.md §1.2), so we do.
/** Whole message: data + attribute keys and values + ordering key. 10 MB, decimal to stay clear of 10 MiB. */
export const MAX_MESSAGE_BYTES = 10_000_000;
export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTE_KEY_BYTES = 256;
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;
export const MAX_ORDERING_KEY_BYTES = 1024;

const ATTRIBUTE_KEYS = [
  "ce-specversion",
  "ce-id",
  "ce-type",
  "ce-source",
  "ce-time",
  "namespace",
  "connectorId",
  "correlationId",
] as const;

/**
 * The largest `JSON.stringify(event.data)` that always fits, whatever the attributes hold (each value at
 * most MAX_ATTRIBUTE_VALUE_BYTES, else encoding fails on that limit first). Use it as the ingest body limit.
 */
export const MAX_EVENT_DATA_BYTES =
  MAX_MESSAGE_BYTES -
  ATTRIBUTE_KEYS.reduce((sum, key) => sum + Buffer.byteLength(key), 0) -
  ATTRIBUTE_KEYS.length * MAX_ATTRIBUTE_VALUE_BYTES -
  MAX_ORDERING_KEY_BYTES;

export type PubSubLimit =
  "messageBytes" | "attributeCount" | "attributeKeyBytes" | "attributeValueBytes" | "orderingKeyBytes";

export type EncodeResult =
  | { ok: true; message: EncodedEvent }
  /** The event is well formed but Pub/Sub would reject it (HTTP 413 at ingest). */
  | { ok: false; kind: "limit"; limit: PubSubLimit; actual: number; max: number; reason: string }
  /** A required field is empty, the time is not RFC 3339, or data is not JSON-serialisable. */
  | { ok: false; kind: "invalid"; reason: string };

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isRfc3339(value: string): boolean {
  return RFC_3339.test(value) && !Number.isNaN(Date.parse(value));
}

export function encodeEvent(event: HubEvent): EncodeResult {
  for (const field of ["id", "trigger", "connectorId"] as const) {
    if (!event[field]) return { ok: false, kind: "invalid", reason: `event ${field} is empty` };
  }
  if (!isRfc3339(event.time)) {
    return { ok: false, kind: "invalid", reason: `event time "${event.time}" is not RFC 3339` };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(event.data ?? {});
  } catch (error) {
    return { ok: false, kind: "invalid", reason: `event data is not JSON-serialisable: ${String(error)}` };
  }
  if (json === undefined) {
    return { ok: false, kind: "invalid", reason: `event data of type ${typeof event.data} has no JSON form` };
  }
  const attributes: Record<string, string> = {
    "ce-specversion": "1.0",
    "ce-id": event.id,
    "ce-type": event.trigger,
    "ce-source": `connectors/${event.connectorId}`,
    "ce-time": event.time,
    namespace: event.trigger,
    connectorId: event.connectorId,
  };
  if (event.correlationId) attributes.correlationId = event.correlationId;
  const message: EncodedEvent = { data: Buffer.from(json), attributes, orderingKey: event.connectorId };
  return checkLimits(message) ?? { ok: true, message };
}

function exceeded(limit: PubSubLimit, actual: number, max: number, what: string): EncodeResult {
  return {
    ok: false,
    kind: "limit",
    limit,
    actual,
    max,
    reason: `${what} is ${actual}, over the limit ${max}`,
  };
}

function checkLimits(message: EncodedEvent): EncodeResult | undefined {
  const entries = Object.entries(message.attributes);
  if (entries.length > MAX_ATTRIBUTES) {
    return exceeded("attributeCount", entries.length, MAX_ATTRIBUTES, "number of attributes");
  }
  let attributeBytes = 0;
  for (const [key, value] of entries) {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    if (keyBytes > MAX_ATTRIBUTE_KEY_BYTES) {
      return exceeded("attributeKeyBytes", keyBytes, MAX_ATTRIBUTE_KEY_BYTES, `attribute key "${key}" size`);
    }
    if (valueBytes > MAX_ATTRIBUTE_VALUE_BYTES) {
      return exceeded("attributeValueBytes", valueBytes, MAX_ATTRIBUTE_VALUE_BYTES, `attribute ${key} size`);
    }
    attributeBytes += keyBytes + valueBytes;
  }
  const orderingKeyBytes = Buffer.byteLength(message.orderingKey);
  if (orderingKeyBytes > MAX_ORDERING_KEY_BYTES) {
    return exceeded("orderingKeyBytes", orderingKeyBytes, MAX_ORDERING_KEY_BYTES, "ordering key size");
  }
  const total = message.data.byteLength + attributeBytes + orderingKeyBytes;
  if (total > MAX_MESSAGE_BYTES) return exceeded("messageBytes", total, MAX_MESSAGE_BYTES, "message size");
  return undefined;
}

export type PubSubMessageInput = {
  data: Buffer | Uint8Array;
  attributes?: Record<string, string> | null;
  /** The Pub/Sub message id. */
  id?: string;
  publishTime?: Date | string;
};

/** An event as the Connector's own broker publisher sends it: no id, no Connector id, no time of its own. */
export type ConnectorBrokerEvent = {
  /** Always absent: the caller assigns one (`!decoded.event.id` narrows a result to `HubEvent`). */
  id?: undefined;
  /** Always absent: the caller knows it from the topic it consumes. */
  connectorId?: undefined;
  trigger: string;
  data: unknown;
  /** The Pub/Sub message id, stable across redeliveries (usable to deduplicate). */
  messageId?: string;
  /** The publish time, RFC 3339, when known. */
  time?: string;
};

export type DecodeResult =
  | { ok: true; form: "cloudevents"; event: HubEvent }
  /** The caller assigns the id and the Connector id (from the topic it consumes). */
  | { ok: true; form: "connector-broker"; event: ConnectorBrokerEvent }
  | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseData(data: Buffer | Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(utf8.decode(data)) as unknown };
  } catch (error) {
    return {
      ok: false,
      reason: `data is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function isoTime(publishTime: Date | string | undefined): string | undefined {
  if (publishTime === undefined) return undefined;
  const date = new Date(publishTime);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Reads our CloudEvents form or the Connector's broker form. Never throws. */
export function decodeEvent(message: PubSubMessageInput): DecodeResult {
  const attributes = message.attributes ?? {};
  const trigger = attributes["ce-type"] || attributes.namespace;
  if (!trigger) return { ok: false, reason: "no trigger: neither a ce-type nor a namespace attribute" };
  const data = parseData(message.data);
  if (!data.ok) return data;

  const specVersion = attributes["ce-specversion"];
  if (specVersion === undefined) {
    const event: ConnectorBrokerEvent = { trigger, data: data.value };
    if (message.id) event.messageId = message.id;
    const time = isoTime(message.publishTime);
    if (time) event.time = time;
    return { ok: true, form: "connector-broker", event };
  }
  if (specVersion !== "1.0") return { ok: false, reason: `unsupported ce-specversion "${specVersion}"` };
  const id = attributes["ce-id"];
  if (!id) return { ok: false, reason: "no ce-id attribute" };
  const connectorId = attributes.connectorId || /^connectors\/(.+)$/.exec(attributes["ce-source"] ?? "")?.[1];
  if (!connectorId) return { ok: false, reason: "no connectorId attribute and no ce-source connectors/<id>" };
  const time = attributes["ce-time"];
  if (!time || !isRfc3339(time)) return { ok: false, reason: `ce-time "${time ?? ""}" is not RFC 3339` };

  const event: HubEvent = { id, trigger, data: data.value, connectorId, time };
  if (attributes.correlationId) event.correlationId = attributes.correlationId;
  return { ok: true, form: "cloudevents", event };
}
