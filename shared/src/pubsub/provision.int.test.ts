import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createPubSub } from "./client.ts";
import { ensureSubscription, ensureTopic } from "./provision.ts";

const projectId = process.env.PUBSUB_PROJECT_ID;
const emulatorHost = process.env.PUBSUB_EMULATOR_HOST;
if (!projectId || !emulatorHost) throw new Error("PUBSUB_PROJECT_ID and PUBSUB_EMULATOR_HOST must be set");
const pubsub = createPubSub({ projectId, emulatorHost });
const unique = (prefix: string) => `${prefix}-${randomUUID()}`;

afterAll(async () => {
  await pubsub.close();
});

describe("ensureTopic", () => {
  it("succeeds for two concurrent callers and again later", async () => {
    const name = unique("provision-topic");
    const topics = await Promise.all([ensureTopic(pubsub, name), ensureTopic(pubsub, name)]);
    expect(topics.map((topic) => topic.name)).toStrictEqual([
      `projects/${projectId}/topics/${name}`,
      `projects/${projectId}/topics/${name}`,
    ]);
    await expect(ensureTopic(pubsub, name)).resolves.toBeDefined();
    const [exists] = await pubsub.topic(name).exists();
    expect(exists).toBe(true);
  });
});

describe("ensureSubscription", () => {
  it("succeeds for two concurrent callers and creates the subscription with every setting", async () => {
    const topicName = unique("provision-topic");
    const deadLetterTopicName = unique("provision-dlq");
    await Promise.all([ensureTopic(pubsub, topicName), ensureTopic(pubsub, deadLetterTopicName)]);
    const name = unique("provision-sub");
    const settings = {
      ackDeadlineSeconds: 30,
      enableMessageOrdering: true,
      retryPolicy: { minimumBackoffSeconds: 5, maximumBackoffSeconds: 300 },
      deadLetterPolicy: { topicName: deadLetterTopicName, maxDeliveryAttempts: 10 },
      filter: 'hasPrefix(attributes.namespace, "transport.")',
    };

    const subscriptions = await Promise.all([
      ensureSubscription(pubsub, topicName, name, settings),
      ensureSubscription(pubsub, topicName, name, settings),
    ]);
    expect(subscriptions.map((subscription) => subscription.name)).toStrictEqual([
      `projects/${projectId}/subscriptions/${name}`,
      `projects/${projectId}/subscriptions/${name}`,
    ]);

    const [metadata] = await pubsub.subscription(name).getMetadata();
    expect(metadata).toMatchObject({
      topic: `projects/${projectId}/topics/${topicName}`,
      ackDeadlineSeconds: 30,
      enableMessageOrdering: true,
      filter: settings.filter,
      deadLetterPolicy: {
        deadLetterTopic: `projects/${projectId}/topics/${deadLetterTopicName}`,
        maxDeliveryAttempts: 10,
      },
    });
    expect(Number(metadata.retryPolicy?.minimumBackoff?.seconds)).toBe(5);
    expect(Number(metadata.retryPolicy?.maximumBackoff?.seconds)).toBe(300);
  });

  it("works without settings and is idempotent when called one after the other", async () => {
    const topicName = unique("provision-topic");
    await ensureTopic(pubsub, topicName);
    const name = unique("provision-sub");
    await ensureSubscription(pubsub, topicName, name);
    await expect(ensureSubscription(pubsub, topicName, name)).resolves.toBeDefined();
  });

  it("refuses a subscription that exists on another topic", async () => {
    const [first, second] = [unique("provision-topic"), unique("provision-topic")];
    await Promise.all([ensureTopic(pubsub, first), ensureTopic(pubsub, second)]);
    const name = unique("provision-sub");
    await ensureSubscription(pubsub, first, name);
    await expect(ensureSubscription(pubsub, second, name)).rejects.toThrow(
      `subscription ${name} already exists on topic projects/${projectId}/topics/${first}, not on ${second}`,
    );
  });

  it("fails when the topic does not exist", async () => {
    await expect(
      ensureSubscription(pubsub, unique("missing-topic"), unique("provision-sub")),
    ).rejects.toMatchObject({ code: 5 });
  });
});
