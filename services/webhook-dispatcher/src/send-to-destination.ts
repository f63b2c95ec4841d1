import { parseDestinationConfig } from "@event-hub/shared";
import type { AmqpConnections } from "./destinations/amqp-connections.ts";
import { publishToAmqp } from "./destinations/amqp.ts";
import { sendWebhook, type WebhookDeps } from "./destinations/webhook.ts";
import type { SendResult } from "./send-result.ts";
import type { ClaimedDelivery } from "./store/deliveries.ts";
import type { DestinationTarget } from "./store/destinations.ts";

export type DestinationSenders = WebhookDeps & {
  /** Absent (some tests): AMQP deliveries fail with `broker_unreachable` and are retried. */
  amqp?: AmqpConnections;
};

/** Hands one delivery to its destination kind; a stored config that does not fit is a final error. */
export async function sendToDestination(
  deps: DestinationSenders,
  delivery: ClaimedDelivery,
  target: DestinationTarget,
  now: Date,
): Promise<SendResult> {
  const parsed = parseDestinationConfig(target.type, target.config);
  if (!parsed.ok) return { kind: "failure", failure: "config", message: parsed.reason, durationMs: 0 };
  switch (parsed.value.type) {
    case "webhook":
      return sendWebhook(deps, delivery, { ...target, config: parsed.value.config }, now);
    case "amqp":
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
