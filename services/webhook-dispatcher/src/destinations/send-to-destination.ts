import { parseDestinationConfig, type ClaimedDelivery } from "@event-hub/shared";
import type { DestinationTarget } from "../deliver/destination-target.ts";
import { LEASE_LOST_BEFORE_SEND, type DeliveryLease, type NotSent } from "../deliver/lease-keeper.ts";
import { configFailure, type SendResult } from "../deliver/send-result.ts";
import type { AmqpConnections } from "./amqp/amqp-connections.ts";
import { publishToAmqp } from "./amqp/publish-amqp.ts";
import { sendBatch } from "./batch/send-batch.ts";
import { sendWebhook, type WebhookDeps } from "./webhook/send-webhook.ts";

export type DestinationSenders = WebhookDeps & {
  /** Absent (some tests): AMQP deliveries fail with `broker_unreachable` and are retried. */
  amqp?: AmqpConnections;
};

/**
 * Hands a claim's deliveries to their destination kind: webhooks and AMQP take one, a batch
 * destination takes N in one POST. A stored config that does not fit is a final error. Nothing
 * leaves unless `lease` is held at the moment it would (after any token fetch).
 */
export async function sendToDestination(
  deps: DestinationSenders,
  deliveries: ClaimedDelivery[],
  target: DestinationTarget,
  now: Date,
  lease: DeliveryLease,
): Promise<SendResult | NotSent> {
  const parsed = parseDestinationConfig(target.type, target.config);
  if (!parsed.ok) return configFailure(parsed.reason);
  if (parsed.value.type === "batch")
    return sendBatch(deps, deliveries, { ...target, config: parsed.value.config }, lease);
  const [delivery] = deliveries;
  if (!delivery || deliveries.length > 1)
    return configFailure(`${parsed.value.type} destinations take one delivery at a time`);
  switch (parsed.value.type) {
    case "webhook":
      return sendWebhook(deps, delivery, { ...target, config: parsed.value.config }, now, lease);
    case "amqp":
      // A publish cannot be called back once it left; its confirm wait is bounded by timeout_ms.
      if (!lease.isHeld()) return LEASE_LOST_BEFORE_SEND;
      return deps.amqp
        ? publishToAmqp({ connections: deps.amqp, secrets: deps.secrets }, delivery, {
            ...target,
            config: parsed.value.config,
          })
        : {
            kind: "failure",
            failure: "broker_unreachable",
            message: "AMQP publishing is not available",
            durationMs: 0,
          };
  }
}
