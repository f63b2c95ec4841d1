import { v1, type PubSub } from "@google-cloud/pubsub";

/** gRPC status codes the probe tells apart. */
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;

export type SubscriptionPresence = "exists" | "missing" | "unknown";

export type SubscriptionState = { presence: SubscriptionPresence; isOrdered: boolean };

/**
 * Whether the subscription exists, attached to a topic: "missing" when Pub/Sub says it does not, or
 * its topic was deleted (it then never receives again); "unknown" when Pub/Sub did not answer, so
 * the caller does not act on it. PERMISSION_DENIED counts as "exists": a least-privilege account
 * (roles/pubsub.subscriber, .publisher) may not read metadata, and the resource is then Terraform's.
 */
export async function probeSubscription(
  pubsub: PubSub,
  name: string,
  timeoutMs: number,
): Promise<SubscriptionPresence> {
  return (await readSubscriptionState(pubsub, name, timeoutMs)).presence;
}

/** Like probeSubscription, for a topic. */
export async function probeTopic(
  pubsub: PubSub,
  name: string,
  timeoutMs: number,
): Promise<SubscriptionPresence> {
  try {
    await pubsub.topic(name).getMetadata({ timeout: timeoutMs, retry: null });
    return "exists";
  } catch (error) {
    return presenceFromError(error);
  }
}

/** probeSubscription, and whether it delivers in ordering-key order. */
export async function readSubscriptionState(
  pubsub: PubSub,
  name: string,
  timeoutMs: number,
): Promise<SubscriptionState> {
  try {
    const [metadata] = await pubsub.subscription(name).getMetadata({ timeout: timeoutMs, retry: null });
    const presence = metadata.topic === "_deleted-topic_" ? "missing" : "exists";
    return { presence, isOrdered: metadata.enableMessageOrdering === true };
  } catch (error) {
    return { presence: presenceFromError(error), isOrdered: false };
  }
}

function presenceFromError(error: unknown): SubscriptionPresence {
  const code = (error as { code?: unknown }).code;
  return code === NOT_FOUND ? "missing" : code === PERMISSION_DENIED ? "exists" : "unknown";
}

export type WaitingMessageProbe = {
  /**
   * True when a message waits on the subscription. One synchronous pull of at most one message,
   * given back at once (ack deadline 0); false when none waits or Pub/Sub did not answer. Not for
   * ordered subscriptions: on the emulator the message given back is then redelivered after the
   * key's later ones (healing-subscription.int.test.ts shows it).
   */
  hasWaitingMessage(): Promise<boolean>;
  close(): Promise<void>;
};

/** A probe with its own v1 SubscriberClient (the streaming client has no "peek"). */
export function createWaitingMessageProbe(
  pubsub: PubSub,
  name: string,
  timeoutMs: number,
): WaitingMessageProbe {
  let client: v1.SubscriberClient | undefined;
  const subscription = pubsub.subscription(name).name;
  const open = async (): Promise<v1.SubscriberClient> => {
    client ??= new v1.SubscriberClient({ ...(await pubsub.getClientConfig()) });
    return client;
  };
  return {
    async hasWaitingMessage() {
      try {
        const subscriber = await open();
        const [response] = await subscriber.pull(
          { subscription, maxMessages: 1, returnImmediately: true },
          { timeout: timeoutMs, retry: null },
        );
        const ackIds = (response.receivedMessages ?? []).flatMap((m) => (m.ackId ? [m.ackId] : []));
        if (ackIds.length === 0) return false;
        await subscriber.modifyAckDeadline(
          { subscription, ackIds, ackDeadlineSeconds: 0 },
          { timeout: timeoutMs },
        );
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await client?.close();
    },
  };
}
