import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

// The emulator ignores filters, so the filter text is unit-tested (subscription-filter.test.ts);
// here the provisioning itself runs against the emulator.
describe("/v1/subscriptions", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  it("creates a Pub/Sub subscription with its filter, settings and dead-letter topic, lists, reads and deletes it", async () => {
    const name = uniqueName("backend");
    const deadLetterTopic = uniqueName("dead");
    const response = await harness.call({
      method: "POST",
      url: "/v1/subscriptions",
      payload: {
        name,
        triggers: ["transport.*"],
        connectorIds: ["acme"],
        ackDeadlineSeconds: 30,
        retentionSeconds: 3600,
        ordered: true,
        deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts: 5 },
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { result } = response.json();
    expect(result).toMatchObject({
      name,
      filter: '(hasPrefix(attributes.namespace, "transport.")) AND (attributes.connectorId = "acme")',
      isExact: false,
      ackDeadlineSeconds: 30,
      ordered: true,
    });
    const [metadata] = await harness.pubsub.subscription(name).getMetadata();
    expect(metadata.topic).toContain(`/topics/${harness.topicName}`);
    expect(metadata.ackDeadlineSeconds).toBe(30);
    expect(metadata.enableMessageOrdering).toBe(true);
    expect(metadata.deadLetterPolicy?.deadLetterTopic).toContain(`/topics/${deadLetterTopic}`);
    expect(Number(metadata.messageRetentionDuration?.seconds)).toBe(3600);

    const again = await harness.call({
      method: "POST",
      url: "/v1/subscriptions",
      payload: { name, triggers: ["**"] },
    });
    expect(again.statusCode).toBe(409);

    expect(
      (await harness.call({ url: "/v1/subscriptions?limit=200" }))
        .json()
        .result.map((s: { id: string }) => s.id),
    ).toContain(result.id);
    expect((await harness.call({ url: `/v1/subscriptions/${result.id}` })).json().result.name).toBe(name);
    expect((await harness.call({ method: "DELETE", url: `/v1/subscriptions/${result.id}` })).statusCode).toBe(
      204,
    );
    const [exists] = await harness.pubsub.subscription(name).exists();
    expect(exists).toBe(false);
    expect((await harness.call({ url: `/v1/subscriptions/${result.id}` })).statusCode).toBe(404);
  });

  it("gives Pub/Sub the push endpoint (the emulator keeps the pushConfig)", async () => {
    const name = uniqueName("pushed");
    const pushEndpoint = "https://backend.example.com/pubsub/push";
    const response = await harness.call({
      method: "POST",
      url: "/v1/subscriptions",
      payload: { name, triggers: ["transport.**"], pushEndpoint },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().result.pushEndpoint).toBe(pushEndpoint);
    const [metadata] = await harness.pubsub.subscription(name).getMetadata();
    expect(metadata.pushConfig?.pushEndpoint).toBe(pushEndpoint);
  });

  it.each([
    [{ triggers: ["a"] }, "name"],
    [{ name: "goog-x", triggers: ["a"] }, "name"],
    [{ name: "valid-name", triggers: ["a..b"] }, "triggers/0"],
    [
      { name: "valid-name", triggers: ["a"], deadLetter: { topic: "dead-x", maxDeliveryAttempts: 2 } },
      "maxDeliveryAttempts",
    ],
    [{ name: "valid-name", triggers: ["a"], ackDeadlineSeconds: 5 }, "ackDeadlineSeconds"],
  ])("rejects %j with a 400 naming %s", async (payload, field) => {
    const response = await harness.call({ method: "POST", url: "/v1/subscriptions", payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
  });

  it("answers 404 for an unknown subscription", async () => {
    const id = "sub_01J9ZQ3V4K6X8B2N5M7P9R1T3W";
    expect((await harness.call({ url: `/v1/subscriptions/${id}` })).statusCode).toBe(404);
    expect((await harness.call({ method: "DELETE", url: `/v1/subscriptions/${id}` })).statusCode).toBe(404);
  });
});
