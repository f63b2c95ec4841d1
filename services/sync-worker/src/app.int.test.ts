import { createPubSub, decodeEvent, ensureSubscription, ensureTopic, runMigrations } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../../tools/local-stack/src/test-names.ts";
import { buildDeps, createTestPool, insertConnector, newTestConnector } from "../test/harness.ts";
import { buildApp } from "./app.ts";
import { createEventPublisher } from "./event-publisher.ts";

describe("POST /v1/ingest/{connectorId}", () => {
  const connector = newTestConnector();
  const { id: connectorId, ingestKey } = connector;
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("sub");
  let db: Pool;
  let pubsub: PubSub;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = createTestPool();
    await runMigrations(db);
    await insertConnector(db, connector);
    pubsub = createPubSub({
      projectId: process.env.PUBSUB_PROJECT_ID,
      emulatorHost: process.env.PUBSUB_EMULATOR_HOST,
    });
    await ensureTopic(pubsub, topicName);
    await ensureSubscription(pubsub, topicName, subscriptionName, { enableMessageOrdering: true });
    app = await buildApp(buildDeps({ db, publisher: createEventPublisher(pubsub, topicName) }));
  });

  afterAll(async () => {
    await app.close();
    await pubsub.close();
    await db.end();
  });

  const ingest = (payload: string | object, headers: Record<string, string> = {}, id = connectorId) =>
    app.inject({
      method: "POST",
      url: `/v1/ingest/${id}`,
      headers: { "content-type": "application/json", "x-api-key": ingestKey, ...headers },
      payload,
    });

  it("publishes the event per DESIGN §3 and answers 202 with its id once Pub/Sub acked it", async () => {
    const response = await ingest(
      { trigger: "consumption.outgoingRequestCreated", data: { id: "REQ1" } },
      { "x-correlation-id": "corr-42" },
    );
    expect(response.statusCode).toBe(202);
    const eventId = response.json().result.id;

    const received = await new Promise<{
      data: Buffer;
      attributes: Record<string, string>;
      orderingKey?: string;
    }>((resolve) => {
      const subscription = pubsub.subscription(subscriptionName);
      subscription.once("message", (m) => {
        m.ack();
        void subscription.close();
        resolve(m);
      });
    });
    expect(JSON.parse(received.data.toString())).toStrictEqual({ id: "REQ1" });
    expect(received.attributes).toMatchObject({
      "ce-id": eventId,
      "ce-type": "consumption.outgoingRequestCreated",
      "ce-source": `connectors/${connectorId}`,
      namespace: "consumption.outgoingRequestCreated",
      connectorId,
      correlationId: "corr-42",
    });
    expect(received.orderingKey).toBe(connectorId);
    const decoded = decodeEvent(received);
    expect(decoded.ok && decoded.event.id).toBe(eventId);
  });

  it("counts ingested events by trigger and Connector on /metrics", async () => {
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toContain(
      `hub_events_ingested_total{trigger="consumption.outgoingRequestCreated",connector="${connectorId}",path="pubsub"`,
    );
    expect(metrics.body).toContain("hub_publish_duration_seconds_bucket");
  });

  it.each([
    ["a missing trigger", { data: {} }, {}, 400, "trigger"],
    ["a trigger that is not a dotted name", { trigger: "no spaces allowed" }, {}, 400, "trigger"],
    ["a body that is not JSON", "{not json", {}, 400, "JSON"],
    ["a wrong credential", { trigger: "a.b" }, { "x-api-key": "wrong" }, 401, "credential"],
    ["no credential", { trigger: "a.b" }, { "x-api-key": "" }, 401, "credential"],
  ])("answers %s with %s", async (_name, payload, headers, status, words) => {
    const response = await ingest(payload, headers as Record<string, string>);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.message).toContain(words);
  });

  it("answers 404 for an unknown Connector", async () => {
    const response = await ingest({ trigger: "a.b" }, {}, "nobody");
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("error.hub.connectorNotFound");
  });

  it.each([["application/x-www-form-urlencoded"], ["text/plain"], ["application/xml"]])(
    "answers 415 for a body sent as %s",
    async (contentType) => {
      const response = await ingest("trigger=a.b", { "content-type": contentType });
      expect(response.statusCode).toBe(415);
      expect(response.json().error.code).toBe("error.hub.http.unsupportedMediaType");
    },
  );

  it("answers 413 for a body over the Pub/Sub limit", async () => {
    const response = await ingest({ trigger: "a.b", data: { blob: "x".repeat(10_500_000) } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe("error.hub.http.payloadTooLarge");
  });
});
