import type { SubscriptionOptions } from "@google-cloud/pubsub";

export type ConsumerFlowControl = {
  /** Messages in hand (not yet acked or nacked) at once: CONSUMER_MAX_MESSAGES. */
  maxMessages: number;
  /** Bytes of message data in hand at once: CONSUMER_MAX_BYTES (default: the client's, 100 MiB). */
  maxBytes?: number | undefined;
};

/**
 * The subscription options of the dispatcher's streams. The client hands over messages until
 * either bound is reached (the message that crosses `maxBytes` still comes), and none beyond it
 * (`allowExcessMessages: false`: without it a batch the server already sent is handed over whole).
 * The bounds also go to Pub/Sub in each StreamingPull request, so the service stops sending too.
 */
export function consumerStreamOptions(bounds: ConsumerFlowControl): SubscriptionOptions {
  return {
    flowControl: {
      maxMessages: bounds.maxMessages,
      ...(bounds.maxBytes === undefined ? {} : { maxBytes: bounds.maxBytes }),
      allowExcessMessages: false,
    },
  };
}
