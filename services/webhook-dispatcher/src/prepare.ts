import type { ClaimedDelivery } from "./store/deliveries.ts";
import { signWebhook } from "./signature.ts";

export type PreparedRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
};

export type WebhookSettings = { url: string; headers?: Record<string, string>; timeoutMs?: number };

export const USER_AGENT = "connector-event-hub";

/**
 * The request a Connector's webhooks module would send — POST `{"trigger","data"}`, `{{trigger}}`
 * in the URL, static headers, x-correlation-id — plus Standard Webhooks id, timestamp and signature.
 */
export function prepareWebhookRequest(
  delivery: ClaimedDelivery,
  settings: WebhookSettings,
  secrets: string[],
  now: Date,
  defaultTimeoutMs: number,
): PreparedRequest {
  // The event data is spliced in as stored, so receivers get the Connector's exact JSON text.
  const body = `{"trigger":${JSON.stringify(delivery.trigger)},"data":${delivery.dataText}}`;
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    ...settings.headers,
    "content-type": "application/json",
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
  };
}
