import { createHash } from "node:crypto";
import { type BatchDestinationConfig, type ClaimedDelivery } from "@event-hub/shared";
import type { HttpRequest } from "../webhook/send.ts";
import { signWebhook } from "../webhook/signature.ts";

/**
 * The deprecated webhooks v1 module (Connector 2.x) buffered exactly these two events and POSTed
 * `{messages: MessageDTO[], relationships: RelationshipDTO[]}` every `publishInterval` seconds.
 */
export const BATCHED_TRIGGERS = ["transport.messageReceived", "transport.relationshipChanged"];

/** Most deliveries in one batch POST; the rest go in the next interval's batch. */
export const MAX_BATCH_SIZE = 1000;

/**
 * The v1 batch body in storage order, each DTO as the exact text stored (the Connector's JSON, not
 * re-serialised). Pure; deliveries of other triggers are never handed in (they are parked).
 */
export function buildBatchBody(deliveries: Array<Pick<ClaimedDelivery, "trigger" | "dataText">>): string {
  const of = (trigger: string) =>
    deliveries
      .filter((d) => d.trigger === trigger)
      .map((d) => d.dataText)
      .join(",");
  return `{"messages":[${of("transport.messageReceived")}],"relationships":[${of("transport.relationshipChanged")}]}`;
}

/**
 * The batch's Standard Webhooks id: the same for the same deliveries (a retry of an unchanged
 * batch), another when the batch holds others. Receivers de-duplicate by it.
 */
export function batchWebhookId(deliveries: Array<Pick<ClaimedDelivery, "id">>): string {
  const hash = createHash("sha256");
  for (const delivery of deliveries) hash.update(delivery.id).update("\n");
  return `batch_${hash.digest("base64url").slice(0, 32)}`;
}

/**
 * The v1 POST to the configured URL with its static headers, plus Standard Webhooks id, timestamp
 * and signature (one per active secret), which the v1 module never sent but a receiver may check.
 * Pure.
 */
export function prepareBatchRequest(
  deliveries: Array<Pick<ClaimedDelivery, "id" | "trigger" | "dataText">>,
  config: BatchDestinationConfig,
  secrets: string[],
  now: Date,
  timeoutMs: number,
): HttpRequest {
  const body = buildBatchBody(deliveries);
  const id = batchWebhookId(deliveries);
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    ...config.headers,
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
  };
  if (secrets.length > 0) headers["webhook-signature"] = signWebhook(secrets, id, timestamp, body);
  return { url: config.url, headers, body, timeoutMs };
}
