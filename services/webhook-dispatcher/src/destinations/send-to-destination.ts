import { parseDestinationConfig } from "@event-hub/shared";
import type { AmqpConnections } from "./amqp/amqp-connections.ts";
import { publishToAmqp } from "./amqp/publish-amqp.ts";
import { sendWebhook, type WebhookDeps } from "./webhook/send-webhook.ts";
import { LEASE_LOST_BEFORE_SEND, type DeliveryLease, type NotSent } from "../deliver/lease-keeper.ts";
import type { SendResult } from "../deliver/send-result.ts";
import type { ClaimedDelivery } from "../store/deliveries.ts";
import type { DestinationTarget } from "../deliver/destination-target.ts";

export type DestinationSenders = WebhookDeps & {
  /** Absent (some tests): AMQP deliveries fail with `broker_unreachable` and are retried. */
  amqp?: AmqpConnections;
};

/**
 * Hands one delivery to its destination kind; a stored config that does not fit is a final error.
 * Nothing leaves unless `lease` is held at the moment it would (after any token fetch).
 */
export async function sendToDestination(
  deps: DestinationSenders,
  delivery: ClaimedDelivery,
  target: DestinationTarget,
  now: Date,
  lease: DeliveryLease,
): Promise<SendResult | NotSent> {
  const parsed = parseDestinationConfig(target.type, target.config);
  if (!parsed.ok) return { kind: "failure", failure: "config", message: parsed.reason, durationMs: 0 };
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
    case "batch":
      return {
        kind: "failure",
        failure: "config",
        message: "batch destinations are not sent one by one",
        durationMs: 0,
      };
  }
}
