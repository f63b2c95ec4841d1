import { decodeEvent, ensureSubscription, ensureTopic } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  buildDeps,
  createMigratedTestPool,
  emulatorPubSub,
  insertConnector,
  newTestConnector,
} from "../../test/harness.ts";
import { buildApp } from "../app.ts";
import { createEventPublisher } from "./event-publisher.ts";
import { createFailedCredentialLimiter } from "./failed-credential-limiter.ts";

describe("POST /v1/ingest/{connectorId}", () => {
  const connector = newTestConnector();
  const { id: connectorId, ingestKey } = connector;
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("sub");
  let db: Pool;
  let pubsub: PubSub;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await createMigratedTestPool();
    await insertConnector(db, connector);
    pubsub = emulatorPubSub();
    await ensureTopic(pubsub, topicName);
    await ensureSubscription(pubsub, topicName, subscriptionName, { enableMessageOrdering: true });
    app = await buildApp(buildDeps({ db, publisher: createEventPublisher(pubsub, topicName) }));
  });

  afterAll(async () => {
    await app.close();
    await pubsub.close();
    await db.end();
  });

  const ingest = (
    payload: string | Buffer | object,
    headers: Record<string, string> = {},
    id = connectorId,
  ) =>
    app.inject({
      method: "POST",
      url: `/v1/ingest/${id}`,
      headers: { "content-type": "application/json", "x-api-key": ingestKey, ...headers },
      payload,
    });

  /** The message of event `eventId`; others (a redelivery of an earlier test's) are acked and skipped. */
  const messageOf = (eventId: string) =>
    new Promise<{ data: Buffer; attributes: Record<string, string>; orderingKey?: string }>((resolve) => {
      const subscription = pubsub.subscription(subscriptionName);
      subscription.on("message", (m) => {
        m.ack();
        if (m.attributes["ce-id"] !== eventId) return;
        void subscription.close();
        resolve(m);
      });
    });

  it("publishes the event per DESIGN §3 and answers 202 with its id once Pub/Sub acked it", async () => {
    const response = await ingest(
      { trigger: "consumption.outgoingRequestCreated", data: { id: "REQ1" } },
      { "x-correlation-id": "corr-42" },
    );
    expect(response.statusCode).toBe(202);
    const eventId = response.json().result.id;

    const received = await messageOf(eventId);
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

  it("takes data with __proto__ and constructor.prototype keys as opaque and publishes it byte for byte", async () => {
    const dataText =
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"isAdmin":true}},' +
      '"text":"grüße \\u2028 ✓ \\ud83d\\ude00","nested":[[1,[2,[3,{"__proto__":[]}]]],null,-0.5,1e+21]}';
    const body = `{"trigger":"transport.messageReceived","data":${dataText}}`;
    const response = await ingest(body);
    expect(response.statusCode).toBe(202);
    const received = await messageOf(response.json().result.id);
    expect(received.data.toString("utf8")).toBe(JSON.stringify(JSON.parse(dataText)));
    expect(received.data.toString("utf8")).toContain('"__proto__":{"polluted":"yes"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
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
    ["an empty JSON body", "", {}, 400, "JSON"],
    ["a body that is not UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), {}, 400, "JSON"],
    ["a wrong credential", { trigger: "a.b" }, { "x-api-key": "wrong" }, 401, "credential"],
    ["no credential", { trigger: "a.b" }, { "x-api-key": "" }, 401, "credential"],
  ])("answers %s with %s", async (_name, payload, headers, status, words) => {
    const response = await ingest(payload, headers as Record<string, string>);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.message).toContain(words);
  });

  it("answers an unknown Connector exactly like a wrong credential, so ids cannot be probed", async () => {
    const unknown = await ingest({ trigger: "a.b" }, {}, "nobody");
    const wrong = await ingest({ trigger: "a.b" }, { "x-api-key": "wrong" });
    const missing = await ingest({ trigger: "a.b" }, { "x-api-key": "" });
    for (const response of [unknown, wrong, missing]) {
      expect(response.statusCode).toBe(401);
      const { id, time, ...rest } = response.json().error;
      expect(id).toBeTypeOf("string");
      expect(time).toBeTypeOf("string");
      expect(rest).toStrictEqual({
        code: "error.hub.unauthorized",
        message: "the ingest credential is missing or wrong",
      });
    }
    expect(unknown.headers["content-length"]).toBe(wrong.headers["content-length"]);
  });

  it("answers 403 for a disabled Connector with its right credential, 401 with a wrong one", async () => {
    const disabled = newTestConnector({ enabled: false });
    await insertConnector(db, disabled);
    const right = await ingest({ trigger: "a.b" }, { "x-api-key": disabled.ingestKey }, disabled.id);
    expect(right.statusCode).toBe(403);
    expect(right.json().error.code).toBe("error.hub.connectorDisabled");
    const wrong = await ingest({ trigger: "a.b" }, { "x-api-key": ingestKey }, disabled.id);
    expect(wrong.statusCode).toBe(401);
  });

  it("answers 429 with Retry-After once an address presented too many wrong credentials", async () => {
    const limited = await buildApp({
      ...buildDeps({ db, publisher: createEventPublisher(pubsub, topicName) }),
      limiter: createFailedCredentialLimiter({ maxFailures: 3, windowMs: 60_000 }),
    });
    const post = (key: string, id = connectorId) =>
      limited.inject({
        method: "POST",
        url: `/v1/ingest/${id}`,
        headers: { "content-type": "application/json", "x-api-key": key },
        payload: { trigger: "a.b" },
        remoteAddress: "203.0.113.7",
      });
    try {
      expect((await post(ingestKey)).statusCode).toBe(202); // successes are not counted
      expect((await post("wrong")).statusCode).toBe(401);
      expect((await post("wrong", "nobody")).statusCode).toBe(401);
      expect((await post("")).statusCode).toBe(401);
      const refused = await post(ingestKey);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe("error.hub.tooManyRequests");
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(59);
      const other = await limited.inject({
        method: "POST",
        url: `/v1/ingest/${connectorId}`,
        headers: { "content-type": "application/json", "x-api-key": ingestKey },
        payload: { trigger: "a.b" },
        remoteAddress: "203.0.113.8",
      });
      expect(other.statusCode).toBe(202);
    } finally {
      await limited.close();
    }
  });

  it("counts failures behind a trusted proxy by the client's X-Forwarded-For address", async () => {
    const behindProxy = await buildApp({
      ...buildDeps({
        db,
        publisher: createEventPublisher(pubsub, topicName),
        server: { trustedProxies: ["10.0.0.0/8"], trustedProxyHops: 2 },
      }),
      limiter: createFailedCredentialLimiter({ maxFailures: 1, windowMs: 60_000 }),
    });
    const post = (client: string) =>
      behindProxy.inject({
        method: "POST",
        url: `/v1/ingest/${connectorId}`,
        // What GKE's load balancer sends: whatever the client claimed, the client, the balancer.
        headers: {
          "content-type": "application/json",
          "x-api-key": "wrong",
          "x-forwarded-for": `203.0.113.99, ${client}, 34.1.2.3`,
        },
        payload: { trigger: "a.b" },
        remoteAddress: "10.1.2.3",
      });
    try {
      expect((await post("198.51.100.1")).statusCode).toBe(401);
      expect((await post("198.51.100.1")).statusCode).toBe(429);
      expect((await post("198.51.100.2")).statusCode).toBe(401); // another client, same proxy
      const direct = await behindProxy.inject({
        method: "POST",
        url: `/v1/ingest/${connectorId}`,
        headers: {
          "content-type": "application/json",
          "x-api-key": "wrong",
          "x-forwarded-for": "198.51.100.3",
        },
        payload: { trigger: "a.b" },
        remoteAddress: "198.51.100.1", // not a proxy: its X-Forwarded-For is not believed
      });
      expect(direct.statusCode).toBe(429);
    } finally {
      await behindProxy.close();
    }
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
