import type { EncodedEvent } from "@event-hub/shared";
import type { PubSub, Topic } from "@google-cloud/pubsub";

export type EventPublisher = {
  /** Resolves with the Pub/Sub message id once the service acknowledged the publish. */
  publish(message: EncodedEvent, timeoutMs: number): Promise<string>;
  flush(): Promise<void>;
};

/**
 * Publishes hub events on the events topic, ordered per Connector (ordering key = Connector id).
 * `rpcTimeoutMs` bounds the client's own retries too: a publish stuck retrying would hold every later
 * message of its ordering key behind it, long after we gave up on it and stored it in the outbox.
 */
export function createEventPublisher(
  pubsub: PubSub,
  topicName: string,
  options: { rpcTimeoutMs?: number } = {},
): EventPublisher {
  const topic: Topic = pubsub.topic(topicName, {
    messageOrdering: true,
    batching: { maxMessages: 100, maxMilliseconds: 5 },
    ...(options.rpcTimeoutMs ? { gaxOpts: { timeout: options.rpcTimeoutMs } } : {}),
  });
  return {
    async publish(message, timeoutMs) {
      try {
        return await withTimeout(topic.publishMessage(message), timeoutMs);
      } catch (error) {
        // An ordered key stops after a failed publish until resumed; resume so later events can go.
        topic.resumePublishing(message.orderingKey);
        throw error;
      }
    },
    flush: () => topic.flush(),
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Pub/Sub did not acknowledge within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
