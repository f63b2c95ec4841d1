import type { PubSub } from "@google-cloud/pubsub";
import type { Logger } from "pino";

/** What operators are told on the `hub-operations` topic (and in the log). */
export type OperatorEvent = {
  type: "destination.disabled";
  destinationId: string;
  reason: string;
  time: string;
};

export type OperatorEvents = { publish(event: OperatorEvent): Promise<void> };

/**
 * Publishes operator events as JSON with a `type` attribute. Every event is logged first, so a
 * publish that fails (logged too) still leaves a trace; the change it reports is already committed.
 */
export function createOperatorEvents(pubsub: PubSub, topicName: string, logger: Logger): OperatorEvents {
  const topic = pubsub.topic(topicName);
  return {
    async publish(event) {
      logger.warn({ operatorEvent: event }, `operator event ${event.type}`);
      try {
        await topic.publishMessage({ json: event, attributes: { type: event.type } });
      } catch (error) {
        logger.error({ err: error, operatorEvent: event }, "publishing the operator event failed");
      }
    },
  };
}

/** Tells operators a destination was disabled, when `reason` says it just was. */
export async function reportDisabled(
  operations: OperatorEvents | undefined,
  destinationId: string,
  reason: string | undefined,
  at: Date,
): Promise<void> {
  if (!reason) return;
  await operations?.publish({ type: "destination.disabled", destinationId, reason, time: at.toISOString() });
}
