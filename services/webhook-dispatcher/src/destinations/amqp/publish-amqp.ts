import {
  destinationConfigSealing,
  type AmqpDestinationConfig,
  type SecretBox,
  type ClaimedDelivery,
} from "@event-hub/shared";
import { configFailure, type SendResult } from "../../deliver/send-result.ts";
import type { AmqpConnections } from "./amqp-connections.ts";
import { prepareAmqpMessage } from "./amqp-message.ts";

export type AmqpDeps = { connections: AmqpConnections; secrets: SecretBox };

export type AmqpTarget = { id: string; config: AmqpDestinationConfig; timeoutMs: number };

/**
 * AMQP destination: open the sealed URL → prepare the message → publish on the URL's shared confirm
 * channel and wait for the broker's confirm (the destination's timeout_ms). A confirmed publish is a
 * delivered attempt; everything else is a failure class the retry policy knows.
 */
export async function publishToAmqp(
  deps: AmqpDeps,
  delivery: ClaimedDelivery,
  target: AmqpTarget,
): Promise<SendResult> {
  let url: string;
  try {
    url = deps.secrets.open(target.config.urlSealed, destinationConfigSealing(target.id, "urlSealed"));
  } catch (error) {
    return configFailure(`the AMQP URL cannot be opened: ${(error as Error).message}`);
  }
  const started = performance.now();
  const outcome = await deps.connections.publish(
    url,
    prepareAmqpMessage(delivery, target.config),
    target.timeoutMs,
  );
  const durationMs = Math.round(performance.now() - started);
  // A confirm is the broker's "stored": recorded like a webhook's 2xx, so one attempt log serves both.
  return outcome.ok
    ? { kind: "response", status: 200, headers: {}, body: "", durationMs }
    : { kind: "failure", failure: outcome.failure, message: outcome.message, durationMs };
}
