import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { batchWebhookId, buildBatchBody, prepareBatchRequest } from "./batch-request.ts";

describe("buildBatchBody", () => {
  it("puts messages and relationships in storage order, each as the stored text", () => {
    const body = buildBatchBody([
      { trigger: "transport.messageReceived", dataText: '{"id":"MSG1","content":{"a" : 1}}' },
      { trigger: "transport.relationshipChanged", dataText: '{"id":"REL1","status":"Pending"}' },
      { trigger: "transport.messageReceived", dataText: '{"id":"MSG2"}' },
    ]);
    expect(body).toBe(
      '{"messages":[{"id":"MSG1","content":{"a" : 1}},{"id":"MSG2"}],"relationships":[{"id":"REL1","status":"Pending"}]}',
    );
    expect(JSON.parse(body)).toStrictEqual({
      messages: [{ id: "MSG1", content: { a: 1 } }, { id: "MSG2" }],
      relationships: [{ id: "REL1", status: "Pending" }],
    });
  });

  it("gives empty arrays for a kind without events", () => {
    expect(buildBatchBody([{ trigger: "transport.relationshipChanged", dataText: "{}" }])).toBe(
      '{"messages":[],"relationships":[{}]}',
    );
  });
});

describe("prepareBatchRequest", () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  const deliveries = [
    { id: "dlv_1", trigger: "transport.messageReceived", dataText: '{"id":"MSG1"}' },
    { id: "dlv_2", trigger: "transport.relationshipChanged", dataText: '{"id":"REL1"}' },
  ];
  const config = {
    url: "https://receiver.example/v1",
    headers: { "x-static": "yes" },
    publishIntervalSeconds: 60,
  };

  it("signs the batch so an independent Standard Webhooks implementation verifies it", () => {
    const request = prepareBatchRequest(deliveries, config, [secret], new Date(), 5000);
    expect(request.headers).toMatchObject({ "x-static": "yes", "content-type": "application/json" });
    expect(() => new Webhook(secret).verify(request.body, request.headers)).not.toThrow();
    expect(() => new Webhook(secret).verify(`${request.body} `, request.headers)).toThrow();
  });

  it("has no signature without a secret, but still an id and a timestamp", () => {
    const request = prepareBatchRequest(deliveries, config, [], new Date(), 5000);
    expect(request.headers["webhook-signature"]).toBeUndefined();
    expect(request.headers["webhook-id"]).toBe(batchWebhookId(deliveries));
    expect(request.headers["webhook-timestamp"]).toMatch(/^\d+$/);
  });

  it("keeps the id for the same deliveries and changes it for others", () => {
    expect(batchWebhookId(deliveries)).toBe(batchWebhookId([...deliveries]));
    expect(batchWebhookId(deliveries)).not.toBe(batchWebhookId(deliveries.slice(0, 1)));
    expect(batchWebhookId(deliveries)).toMatch(/^batch_[\w-]{32}$/);
  });
});
