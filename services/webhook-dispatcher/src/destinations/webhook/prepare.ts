import { type ClaimedDelivery } from "@event-hub/shared";
import type { HttpRequest } from "./send.ts";
import { signWebhook } from "./signature.ts";

export type WebhookSettings = {
  url: string;
  headers?: Record<string, string>;
  /** `connector` (default): `{"trigger","data"}`; `cloudevents`: CloudEvents structured JSON. */
  format?: "connector" | "cloudevents";
  skipTlsCheck?: boolean;
  timeoutMs?: number;
};

const USER_AGENT = "connector-event-hub";

/**
 * The request a Connector's webhooks module would send — POST `{"trigger","data"}`, `{{trigger}}`
 * in the URL, static headers, target authentication, x-correlation-id — plus Standard Webhooks id,
 * timestamp and signature (one per active secret).
 */
export function prepareWebhookRequest(
  delivery: ClaimedDelivery,
  settings: WebhookSettings,
  secrets: string[],
  now: Date,
  defaultTimeoutMs: number,
  authHeaders: Record<string, string> = {},
): HttpRequest {
  const isCloudEvents = settings.format === "cloudevents";
  const body = isCloudEvents ? cloudEventBody(delivery) : connectorBody(delivery);
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    ...settings.headers,
    ...authHeaders,
    "content-type": isCloudEvents ? "application/cloudevents+json" : "application/json",
    "user-agent": USER_AGENT,
    "webhook-id": delivery.eventId,
    "webhook-timestamp": String(timestamp),
  };
  if (secrets.length > 0)
    headers["webhook-signature"] = signWebhook(secrets, delivery.eventId, timestamp, body);
  if (delivery.correlationId) headers["x-correlation-id"] = delivery.correlationId;
  return {
    // Like the Connector: only the first {{trigger}} is replaced (String.prototype.replace).
    url: settings.url.replace("{{trigger}}", encodeURIComponent(delivery.trigger)),
    headers,
    body,
    timeoutMs: settings.timeoutMs ?? defaultTimeoutMs,
    skipTlsCheck: settings.skipTlsCheck ?? false,
  };
}

/** The event data is spliced in as stored, so receivers get the Connector's exact JSON text. */
function connectorBody(delivery: ClaimedDelivery): string {
  return `{"trigger":${JSON.stringify(delivery.trigger)},"data":${delivery.dataText}}`;
}

/** CloudEvents 1.0 structured mode, with the same attributes as the Pub/Sub binary binding. */
function cloudEventBody(delivery: ClaimedDelivery): string {
  const attributes: Record<string, string> = {
    specversion: "1.0",
    id: delivery.eventId,
    source: `connectors/${delivery.connectorId}`,
    type: delivery.trigger,
    time: delivery.occurredAt.toISOString(),
    datacontenttype: "application/json",
  };
  if (delivery.correlationId) attributes.correlationid = delivery.correlationId;
  return `${JSON.stringify(attributes).slice(0, -1)},"data":${delivery.dataText}}`;
}
