import type { EncodedEvent } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import { createPublishBatcher, type PublishBatchingOptions, type PublishRpc } from "./publish-batcher.ts";
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
 * Measured on a 2-core machine with 50 Connectors at 1,500 events/s (scratch open-loop load): the
 * client library's per-key batches carried ~1 event per RPC. These let one RPC carry a few hundred
 * events under load, and send at once what waits when an RPC answers (group commit).
 */
export const DEFAULT_PUBLISH_BATCHING: PublishBatchingOptions = {
  maxMessages: 500,
  maxBytes: 4 * 1024 * 1024,
  maxMilliseconds: 2,
  maxOutstanding: 4,
};

/**
 * Publishes hub events on the events topic, ordered per Connector (ordering key = Connector id),
 * many Connectors' events in one RPC (publish-batcher.ts).
 * `rpcTimeoutMs` bounds the client's own retries too: a publish stuck retrying would hold every later
 * message of its ordering key behind it, long after we gave up on it and stored it in the outbox.
 * With a `guard`, nothing is published while it holds, and every failed publish is reported to it.
 */
export function createEventPublisher(
  pubsub: PubSub,
  topicName: string,
  options: { rpcTimeoutMs?: number; guard?: PublishGuard; batching?: PublishBatchingOptions } = {},
): EventPublisher {
  const { guard } = options;
  const batcher = createPublishBatcher(
    publishRpc(pubsub, topicName, options.rpcTimeoutMs),
    options.batching ?? DEFAULT_PUBLISH_BATCHING,
  );
  return {
    async publish(message, timeoutMs) {
      const heldBecause = guard?.holdReason();
      if (heldBecause !== undefined) throw new PublishHeldError(`publishing is held: ${heldBecause}`);
      try {
        return await withTimeout(batcher.publish(message), timeoutMs);
      } catch (error) {
        guard?.reportPublishError(error);
        throw error;
      }
    },
    holdReason: () => guard?.holdReason(),
    flush: () => batcher.flush(),
  };
}

/** One Publish RPC through the client's PublisherClient (the call its own batches make). */
function publishRpc(pubsub: PubSub, topicName: string, rpcTimeoutMs: number | undefined): PublishRpc {
  const topic = pubsub.topic(topicName).name;
  const gaxOpts = rpcTimeoutMs ? { timeout: rpcTimeoutMs } : undefined;
  return (messages) =>
    new Promise((resolve, reject) => {
      pubsub.request<{ messageIds?: string[] | null }>(
        { client: "PublisherClient", method: "publish", reqOpts: { topic, messages }, gaxOpts },
        (error, response) => (error ? reject(error) : resolve(response?.messageIds ?? [])),
      );
    });
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
