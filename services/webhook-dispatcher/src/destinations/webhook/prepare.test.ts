import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { claimedDelivery } from "../../../test/claimed-delivery.ts";
import { prepareWebhookRequest } from "./prepare.ts";

const delivery = claimedDelivery();
const now = new Date("2026-01-01T00:00:10Z");
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("prepareWebhookRequest", () => {
  it("sends CloudEvents structured JSON when asked, signed the same way", () => {
    const ce = prepareWebhookRequest(
      delivery,
      { url: "https://example.com", format: "cloudevents" },
      [secret],
      now,
      1,
    );
    expect(ce.headers["content-type"]).toBe("application/cloudevents+json");
    expect(JSON.parse(ce.body)).toStrictEqual({
      specversion: "1.0",
      id: delivery.eventId,
      source: "connectors/acme",
      type: "transport.messageReceived",
      time: "2026-01-01T00:00:00.000Z",
      datacontenttype: "application/json",
      correlationid: "corr-1",
      data: { id: "MSG1", content: { b: 1, a: 2 } },
    });
  });

  it("adds target authentication headers and skipTlsCheck", () => {
    const authed = prepareWebhookRequest(
      delivery,
      { url: "https://example.com", skipTlsCheck: true, timeoutMs: 2000 },
      [],
      now,
      15_000,
      { authorization: "Bearer t" },
    );
    expect(authed.headers.authorization).toBe("Bearer t");
    expect(authed.headers["webhook-signature"]).toBeUndefined();
    expect(authed).toMatchObject({ skipTlsCheck: true, timeoutMs: 2000 });
  });

  const request = prepareWebhookRequest(
    delivery,
    { url: "https://example.com/hooks/{{trigger}}?t={{trigger}}", headers: { "x-static": "1" } },
    [secret],
    now,
    15_000,
  );

  it("posts the Connector's body, keeping the data text exactly", () => {
    expect(request.body).toBe(
      '{"trigger":"transport.messageReceived","data":{"id":"MSG1", "content":{"b":1,"a":2}}}',
    );
  });

  it("fills only the first {{trigger}}, as the Connector does", () => {
    expect(request.url).toBe("https://example.com/hooks/transport.messageReceived?t={{trigger}}");
  });

  it("sends static, correlation and Standard Webhooks headers", () => {
    expect(request.headers).toMatchObject({
      "x-static": "1",
      "content-type": "application/json",
      "x-correlation-id": "corr-1",
      "webhook-id": delivery.eventId,
      "webhook-timestamp": "1767225610",
    });
    expect(request.timeoutMs).toBe(15_000);
  });

  it("signs so that an independent Standard Webhooks implementation verifies it", () => {
    const wh = new Webhook(secret);
    const headers = {
      "webhook-id": request.headers["webhook-id"] ?? "",
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": "",
    };
    const fresh = prepareWebhookRequest(delivery, { url: "https://example.com" }, [secret], new Date(), 1);
    headers["webhook-timestamp"] = fresh.headers["webhook-timestamp"] ?? "";
    headers["webhook-signature"] = fresh.headers["webhook-signature"] ?? "";
    expect(wh.verify(fresh.body, headers)).toStrictEqual(JSON.parse(fresh.body));
  });

  it("signs with every active secret, so either verifies during a rotation", () => {
    const next = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const fresh = prepareWebhookRequest(
      delivery,
      { url: "https://example.com" },
      [next, secret],
      new Date(),
      1,
    );
    const headers = {
      "webhook-id": fresh.headers["webhook-id"] ?? "",
      "webhook-timestamp": fresh.headers["webhook-timestamp"] ?? "",
      "webhook-signature": fresh.headers["webhook-signature"] ?? "",
    };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(secret).verify(fresh.body, headers)).not.toThrow();
    expect(() => new Webhook(next).verify(fresh.body, headers)).not.toThrow();
  });
});
