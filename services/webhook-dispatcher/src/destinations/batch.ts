import type { BatchDestinationConfig } from "@event-hub/shared";
import type { SendResult } from "../send-result.ts";
import type { Sender } from "../send.ts";
import type { ClaimedDelivery } from "../store/deliveries.ts";

/**
 * The deprecated webhooks v1 module (Connector 2.x) buffered exactly these two events and POSTed
 * `{messages: MessageDTO[], relationships: RelationshipDTO[]}` every `publishInterval` seconds.
 */
export const BATCHED_TRIGGERS = ["transport.messageReceived", "transport.relationshipChanged"];

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

/** One POST of the batch to the configured URL with its static headers (SSRF-guarded, no redirects). */
export function sendBatch(
  sender: Sender,
  deliveries: ClaimedDelivery[],
  config: BatchDestinationConfig,
  timeoutMs: number,
): Promise<SendResult> {
  return sender.send({
    url: config.url,
    headers: { ...config.headers, "content-type": "application/json" },
    body: buildBatchBody(deliveries),
    timeoutMs,
  });
}
