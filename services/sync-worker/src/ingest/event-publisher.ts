import type { EncodedEvent } from "@event-hub/shared";
import type { PubSub, v1 } from "@google-cloud/pubsub";
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
const DEFAULT_PUBLISH_BATCHING: PublishBatchingOptions = {
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

/**
 * One Publish RPC on the client's own PublisherClient (its channel, emulator settings and retries),
 * called directly: `pubsub.request`, which the client's batches go through, deep-copies and walks
 * every message for a `{{projectId}}` placeholder (6 % of sync-worker's CPU at 1,500 events/s).
 */
function publishRpc(pubsub: PubSub, topicName: string, rpcTimeoutMs: number | undefined): PublishRpc {
  const gaxOpts = rpcTimeoutMs ? { timeout: rpcTimeoutMs } : undefined;
  let client: Promise<{ publish: v1.PublisherClient["publish"]; topic: string }> | undefined;
  const connect = async () => {
    const stub = (await pubsub.getClientAsync_({
      client: "PublisherClient",
    })) as unknown as v1.PublisherClient;
    // Named once the client config resolved the project id.
    return { publish: stub.publish.bind(stub), topic: pubsub.topic(topicName).name };
  };
  return async (messages) => {
    if (!pubsub.isOpen) throw new Error("Cannot use a closed PubSub object.");
    client ??= connect().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    const { publish, topic } = await client;
    const [response] = await publish({ topic, messages }, gaxOpts);
    return response.messageIds ?? [];
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
