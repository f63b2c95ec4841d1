import type { CreateSubscriptionOptions, PubSub, Subscription, Topic } from "@google-cloud/pubsub";

/** gRPC status ALREADY_EXISTS: another replica (or an earlier start) created the resource first. */
const ALREADY_EXISTS = 6;

export type RetryPolicy = {
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
};

export type DeadLetterPolicy = {
  /** Short topic name in the same project; it must exist (see `ensureTopic`). */
  topicName: string;
  /** 5–100 (the service rejects anything else). */
  maxDeliveryAttempts: number;
};

export type SubscriptionSettings = {
  ackDeadlineSeconds?: number;
  enableMessageOrdering?: boolean;
  retryPolicy?: RetryPolicy;
  deadLetterPolicy?: DeadLetterPolicy;
  /** Pub/Sub filter syntax, e.g. `hasPrefix(attributes.namespace, "transport.")`. Not enforced by the emulator. */
  filter?: string;
};

function isAlreadyExists(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === ALREADY_EXISTS;
}

/** Creates the topic unless it exists. Safe to call from several processes at once. */
export async function ensureTopic(pubsub: PubSub, name: string): Promise<Topic> {
  try {
    const [topic] = await pubsub.createTopic(name);
    return topic;
  } catch (error) {
    if (isAlreadyExists(error)) return pubsub.topic(name);
    throw error;
  }
}

/**
 * Creates the subscription unless it exists. Safe to call from several processes at once. An existing
 * subscription keeps its settings (ordering and filter cannot change after creation), but one attached to
 * another topic is an error rather than a silent mix-up.
 */
export async function ensureSubscription(
  pubsub: PubSub,
  topicName: string,
  subscriptionName: string,
  settings: SubscriptionSettings = {},
): Promise<Subscription> {
  const topic = pubsub.topic(topicName);
  try {
    const [subscription] = await topic.createSubscription(
      subscriptionName,
      toClientOptions(pubsub, settings),
    );
    return subscription;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const subscription = pubsub.subscription(subscriptionName);
  const [metadata] = await subscription.getMetadata();
  const existingTopic = metadata.topic ?? "";
  if (existingTopic !== (await topicPath(pubsub, topicName))) {
    throw new Error(
      `subscription ${subscriptionName} already exists on topic ${existingTopic || "(deleted)"}, not on ${topicName}`,
    );
  }
  return subscription;
}

async function topicPath(pubsub: PubSub, topicName: string): Promise<string> {
  if (topicName.startsWith("projects/")) return topicName;
  const { projectId } = await pubsub.getClientConfig();
  return `projects/${projectId}/topics/${topicName}`;
}

function toClientOptions(pubsub: PubSub, settings: SubscriptionSettings): CreateSubscriptionOptions {
  const options: CreateSubscriptionOptions = {};
  if (settings.ackDeadlineSeconds !== undefined) options.ackDeadlineSeconds = settings.ackDeadlineSeconds;
  if (settings.enableMessageOrdering !== undefined) {
    options.enableMessageOrdering = settings.enableMessageOrdering;
  }
  if (settings.filter !== undefined) options.filter = settings.filter;
  if (settings.retryPolicy) {
    options.retryPolicy = {
      minimumBackoff: { seconds: settings.retryPolicy.minimumBackoffSeconds },
      maximumBackoff: { seconds: settings.retryPolicy.maximumBackoffSeconds },
    };
  }
  if (settings.deadLetterPolicy) {
    options.deadLetterPolicy = {
      deadLetterTopic: pubsub.topic(settings.deadLetterPolicy.topicName).name,
      maxDeliveryAttempts: settings.deadLetterPolicy.maxDeliveryAttempts,
    };
  }
  return options;
}
