import { destinationConfigSealing, parseDestinationConfig, signingSecretSealing } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

const UNKNOWN = "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W";

describe("/v1/webhooks: every destination type and the actions", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const create = async (payload: object) => {
    const response = await harness.call({ method: "POST", url: "/v1/webhooks", payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().result;
  };
  const storedRow = async (id: string) =>
    (await harness.db.query("SELECT * FROM destinations WHERE id = $1", [id])).rows[0];

  it("creates a webhook with OAuth2 auth and policy, storing secrets sealed and the contract's shape", async () => {
    const result = await create({
      url: "https://example.com/{{trigger}}",
      triggers: ["transport.**"],
      headers: { "x-a": "1" },
      authentication: {
        type: "OAuth2",
        accessTokenUrl: "https://idp/token",
        clientId: "c",
        clientSecret: "oauth-secret",
      },
      retry: { scheduleSeconds: [5, 60], retryClientErrors: false },
      maxInFlight: 3,
      rateLimitPerSecond: 2.5,
      timeoutMs: 5000,
      ordered: true,
    });
    expect(result).toMatchObject({
      type: "webhook",
      authentication: { type: "OAuth2", clientId: "c" },
      retry: { scheduleSeconds: [5, 60], retryClientErrors: false },
      maxInFlight: 3,
      rateLimitPerSecond: 2.5,
      ordered: true,
      warnings: [],
    });
    expect(JSON.stringify(result)).not.toContain("oauth-secret");
    const row = await storedRow(result.id);
    expect(parseDestinationConfig(row.type, row.config).ok).toBe(true);
    expect(
      harness.secrets.open(
        row.config.authentication.clientSecretSealed,
        destinationConfigSealing(result.id, "authentication.clientSecretSealed"),
      ),
    ).toBe("oauth-secret");
    expect(row).toMatchObject({
      retry_schedule_seconds: [5, 60],
      max_in_flight: 3,
      timeout_ms: 5000,
      ordered: true,
    });
  });

  it("creates AMQP and batch destinations and warns about a private address", async () => {
    const amqp = await create({
      type: "amqp",
      triggers: ["**"],
      amqp: { url: "amqp://guest:guest@127.0.0.1:5672", exchange: "events" },
    });
    expect(amqp).toMatchObject({ type: "amqp", amqp: { exchange: "events", routingKey: "{{trigger}}" } });
    expect(JSON.stringify(amqp)).not.toContain("guest:guest");
    const row = await storedRow(amqp.id);
    expect(harness.secrets.open(row.config.urlSealed, destinationConfigSealing(amqp.id, "urlSealed"))).toBe(
      "amqp://guest:guest@127.0.0.1:5672",
    );

    const batch = await create({
      type: "batch",
      url: "http://127.0.0.1:9/batch",
      triggers: ["transport.*"],
      publishIntervalSeconds: 60,
    });
    expect(batch).toMatchObject({ type: "batch", publishIntervalSeconds: 60 });
    expect(batch.warnings[0]).toContain("SSRF_ALLOW");
    expect(parseDestinationConfig("batch", (await storedRow(batch.id)).config).ok).toBe(true);
  });

  it.each([
    [{ type: "amqp", triggers: ["a"] }, "amqp/url"],
    [{ type: "amqp", triggers: ["a"], amqp: { url: "amqp://h" } }, "amqp/exchange"],
    [{ type: "batch", url: "https://x", triggers: ["a"] }, "publishIntervalSeconds"],
    [
      { type: "batch", url: "https://x", triggers: ["a"], publishIntervalSeconds: 5, authentication: null },
      "authentication",
    ],
    [{ url: "https://x", triggers: ["a"], authentication: { type: "ApiKey" } }, "authentication/apiKey"],
    [
      { url: "https://x", triggers: ["a"], authentication: { type: "OAuth2", clientId: "c" } },
      "authentication/accessTokenUrl",
    ],
    [{ url: "https://x", triggers: ["a"], publishIntervalSeconds: 5 }, "publishIntervalSeconds"],
    [{ url: "https://x", triggers: ["a"], timeoutMs: 5 }, "timeoutMs"],
    [{ url: "https://x", triggers: ["a"], retry: { scheduleSeconds: [] } }, "scheduleSeconds"],
    [{ url: "https://x", triggers: ["a"], type: "smtp" }, "type"],
  ])("rejects %j with a 400 naming %s", async (payload, field) => {
    const response = await harness.call({ method: "POST", url: "/v1/webhooks", payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
  });

  it("updates, disables, enables and deletes a destination", async () => {
    const { id } = await create({
      url: "https://example.com/a",
      triggers: ["a.b"],
      authentication: { type: "ApiKey", apiKey: "k1" },
    });
    const patched = await harness.call({
      method: "PATCH",
      url: `/v1/webhooks/${id}`,
      payload: { url: "https://example.com/b", connectorIds: ["acme"] },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().result).toMatchObject({
      url: "https://example.com/b",
      triggers: ["a.b"],
      connectorIds: ["acme"],
      authentication: { type: "ApiKey" },
    });
    expect(
      (await harness.call({ method: "PATCH", url: `/v1/webhooks/${id}`, payload: { type: "amqp" } })).json()
        .error.message,
    ).toContain("type");

    const disabled = await harness.call({
      method: "POST",
      url: `/v1/webhooks/${id}/disable`,
      payload: { reason: "maintenance" },
    });
    expect(disabled.json().result).toMatchObject({ enabled: false, disabledReason: "maintenance" });
    const enabled = await harness.call({ method: "POST", url: `/v1/webhooks/${id}/enable` });
    expect(enabled.json().result).toMatchObject({ enabled: true, disabledReason: null });

    const listed = await harness.call({ url: "/v1/webhooks?limit=200&connectorId=acme&enabled=true" });
    expect(listed.json().result.map((d: { id: string }) => d.id)).toContain(id);

    expect((await harness.call({ method: "DELETE", url: `/v1/webhooks/${id}` })).statusCode).toBe(204);
    expect((await harness.call({ url: `/v1/webhooks/${id}` })).statusCode).toBe(404);
  });

  it("rotates the signing secret: the old one expires after the grace period", async () => {
    const { id, secret } = await create({ url: "https://example.com/a", triggers: ["a"] });
    const rotated = await harness.call({
      method: "POST",
      url: `/v1/webhooks/${id}/rotate-secret`,
      payload: { graceSeconds: 3600 },
    });
    expect(rotated.statusCode).toBe(201);
    const { result } = rotated.json();
    expect(result.secret).toMatch(/^whsec_/);
    expect(result.secret).not.toBe(secret);
    const { rows } = await harness.db.query(
      "SELECT secret_sealed, expires_at FROM destination_secrets WHERE destination_id = $1 ORDER BY created_at",
      [id],
    );
    expect(rows.map((row) => harness.secrets.open(row.secret_sealed, signingSecretSealing(id)))).toEqual([
      secret,
      result.secret,
    ]);
    expect(rows[0].expires_at.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(rows[1].expires_at).toBeNull();
  });

  it("sends a test event through the normal path: a hub.test event and a due delivery", async () => {
    const { id } = await create({ url: "https://example.com/a", triggers: ["a"] });
    const response = await harness.call({
      method: "POST",
      url: `/v1/webhooks/${id}/test`,
      headers: { "x-correlation-id": "corr-test" },
    });
    expect(response.statusCode).toBe(202);
    const { eventId, deliveryId } = response.json().result;
    const event = (await harness.call({ url: `/v1/events/${eventId}` })).json().result;
    expect(event).toMatchObject({ trigger: "hub.test", connectorId: "hub", correlationId: "corr-test" });
    expect(event.deliveries).toEqual([
      expect.objectContaining({ id: deliveryId, destinationId: id, status: "pending" }),
    ]);
  });

  it("imports a Connector's modules.webhooks config as equivalent destinations", async () => {
    const response = await harness.call({
      method: "POST",
      url: "/v1/webhooks/import",
      payload: {
        enabled: true,
        targets: {
          t1: {
            url: "https://example.com/hooks/{{trigger}}",
            headers: { "a-header": "a-value" },
            authentication: { type: "ApiKey", apiKey: "k" },
          },
        },
        webhooks: [
          { triggers: ["transport.messageReceived", "consumption.*"], target: "t1" },
          { triggers: ["**"], target: { url: "https://example.com/all" } },
        ],
        connectorIds: ["acme"],
      },
    });
    expect(response.statusCode).toBe(201);
    const created = response.json().result;
    expect(created).toHaveLength(2);
    expect(created[0]).toMatchObject({
      url: "https://example.com/hooks/{{trigger}}",
      headers: { "a-header": "a-value" },
      triggers: ["transport.messageReceived", "consumption.*"],
      authentication: { type: "ApiKey", headerName: "x-api-key" },
      connectorIds: ["acme"],
      format: "connector",
    });
    const bad = await harness.call({
      method: "POST",
      url: "/v1/webhooks/import",
      payload: { webhooks: [{ triggers: ["a"], target: "missing" }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("body/webhooks/0/target");
  });

  it("answers 404 for every action on an unknown destination", async () => {
    for (const [method, url, payload] of [
      ["GET", `/v1/webhooks/${UNKNOWN}`],
      ["PATCH", `/v1/webhooks/${UNKNOWN}`, { description: "x" }],
      ["DELETE", `/v1/webhooks/${UNKNOWN}`],
      ["POST", `/v1/webhooks/${UNKNOWN}/enable`],
      ["POST", `/v1/webhooks/${UNKNOWN}/disable`],
      ["POST", `/v1/webhooks/${UNKNOWN}/rotate-secret`],
      ["POST", `/v1/webhooks/${UNKNOWN}/test`],
      ["POST", `/v1/webhooks/${UNKNOWN}/recover`, { since: "2020-01-01T00:00:00Z" }],
    ] as const) {
      const response = await harness.call({ method, url, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
  });
});
