import type { EncodedEvent } from "@event-hub/shared";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import type { PublishGuard } from "./publish-guard.ts";

export type EventPublisher = {
  /** Resolves with the Pub/Sub message id once the service acknowledged the publish. */
  publish(message: EncodedEvent, timeoutMs: number): Promise<string>;
  /** Why nothing may be published now (a required subscription is missing), or undefined. */
  holdReason(): string | undefined;
  flush(): Promise<void>;
};

/** A publish refused because publishing is held (publish-guard.ts); the event belongs in the outbox. */
class PublishHeldError extends Error {}

/**
 * Publishes hub events on the events topic, ordered per Connector (ordering key = Connector id).
 * `rpcTimeoutMs` bounds the client's own retries too: a publish stuck retrying would hold every later
 * message of its ordering key behind it, long after we gave up on it and stored it in the outbox.
 * With a `guard`, nothing is published while it holds, and every failed publish is reported to it.
 */
export function createEventPublisher(
  pubsub: PubSub,
  topicName: string,
  options: { rpcTimeoutMs?: number; guard?: PublishGuard } = {},
): EventPublisher {
  const { guard } = options;
  const topic: Topic = pubsub.topic(topicName, {
    messageOrdering: true,
    batching: { maxMessages: 100, maxMilliseconds: 5 },
    ...(options.rpcTimeoutMs ? { gaxOpts: { timeout: options.rpcTimeoutMs } } : {}),
  });
  return {
    async publish(message, timeoutMs) {
      const heldBecause = guard?.holdReason();
      if (heldBecause !== undefined) throw new PublishHeldError(`publishing is held: ${heldBecause}`);
      try {
        return await withTimeout(topic.publishMessage(message), timeoutMs);
      } catch (error) {
        // An ordered key stops after a failed publish until resumed; resume so later events can go.
        topic.resumePublishing(message.orderingKey);
        guard?.reportPublishError(error);
        throw error;
      }
    },
    holdReason: () => guard?.holdReason(),
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
