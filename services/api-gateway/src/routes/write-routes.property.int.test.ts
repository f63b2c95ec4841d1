import { parseDestinationConfig } from "@event-hub/shared";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

// Random bodies, query strings and headers at the write routes: never a 500, never a stored invalid row.
describe("write routes under random input", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const urls = fc.constantFrom(
    "https://example.com/{{trigger}}",
    "http://127.0.0.1:1/x",
    "ftp://x",
    "amqp://h",
    "",
    "::",
  );
  const triggers = fc.array(fc.constantFrom("a.b", "transport.*", "**", "a..b", "", "*.x", "a.**.**"), {
    maxLength: 3,
  });
  const webhookBody = fc.record(
    {
      type: fc.constantFrom("webhook", "amqp", "batch", "smtp"),
      url: urls,
      triggers,
      headers: fc.dictionary(fc.constantFrom("x-a", "bad header", "x-b"), fc.string({ maxLength: 5 })),
      authentication: fc.oneof(
        fc.constant(null),
        fc.record(
          { type: fc.constantFrom("ApiKey", "OAuth2", "Basic"), apiKey: fc.string({ maxLength: 5 }) },
          { requiredKeys: ["type"] },
        ),
      ),
      amqp: fc.record({ url: urls, exchange: fc.string({ maxLength: 5 }) }, { requiredKeys: [] }),
      publishIntervalSeconds: fc.integer({ min: -1, max: 100000 }),
      retry: fc.record({ scheduleSeconds: fc.array(fc.integer({ min: -5, max: 700000 }), { maxLength: 3 }) }),
      timeoutMs: fc.integer({ min: 0, max: 200000 }),
      rateLimitPerSecond: fc.oneof(fc.constant(null), fc.double({ min: -1, max: 20000, noNaN: true })),
      connectorIds: fc.array(fc.constantFrom("acme", "has space", ""), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
  // `date-time` values, including leap seconds (valid to the schema, not representable as a Date).
  const dateTimes = fc.oneof(
    fc
      .date({
        min: new Date("0001-01-01T00:00:00Z"),
        max: new Date("9999-12-31T23:59:59Z"),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
    fc.constantFrom(
      "2016-12-31T23:59:60Z",
      "2999-12-31T23:59:60Z",
      "2016-12-31T22:59:60.5-01:00",
      "2025-13-01T00:00:00Z",
    ),
  );
  const keyBody = fc.record(
    {
      name: fc.string({ maxLength: 5 }),
      scopes: fc.array(fc.constantFrom("events:read", "**", "bad scope", "core:**"), { maxLength: 2 }),
      expiresAt: dateTimes,
    },
    { requiredKeys: [] },
  );
  const anyJson = fc.oneof(fc.jsonValue(), webhookBody, keyBody);
  const headers = fc.dictionary(
    fc.constantFrom("x-correlation-id", "idempotency-key", "content-type", "x-extra"),
    fc.string({ maxLength: 20 }).filter((value) => !/[\r\n]/.test(value) && /^[\x20-\x7e]*$/.test(value)),
  );
  const query = fc.dictionary(
    fc.constantFrom("limit", "cursor", "type", "enabled", "x", "since", "until"),
    fc.oneof(fc.string({ maxLength: 8 }), dateTimes),
  );

  it("POST /v1/webhooks, /v1/webhooks/import, /v1/connectors, /v1/keys, /v1/subscriptions answer 2xx or 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "/v1/webhooks",
          "/v1/webhooks/import",
          "/v1/connectors",
          "/v1/keys",
          "/v1/subscriptions",
        ),
        anyJson,
        headers,
        query,
        async (url, body, extraHeaders, params) => {
          const search = new URLSearchParams(params).toString();
          const response = await harness.call({
            method: "POST",
            url: search ? `${url}?${search}` : url,
            headers: { "content-type": "application/json", ...extraHeaders },
            payload: JSON.stringify(body),
          });
          expect(response.statusCode, response.body).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    const { rows } = await harness.db.query("SELECT type, config, triggers FROM destinations");
    for (const row of rows) {
      expect(parseDestinationConfig(row.type, row.config).ok, JSON.stringify(row)).toBe(true);
      expect(row.triggers.length).toBeGreaterThan(0);
    }
  });

  it("PATCH /v1/webhooks/{id} keeps the stored row valid", async () => {
    const { id } = (
      await harness.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url: "https://example.com", triggers: ["a"] },
      })
    ).json().result;
    await fc.assert(
      fc.asyncProperty(anyJson, async (body) => {
        const response = await harness.call({
          method: "PATCH",
          url: `/v1/webhooks/${id}`,
          payload: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        });
        expect(response.statusCode, response.body).toBeLessThan(500);
        const { rows } = await harness.db.query("SELECT type, config FROM destinations WHERE id = $1", [id]);
        expect(parseDestinationConfig(rows[0].type, rows[0].config).ok).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("GET /v1/deliveries and /v1/events take any since/until without a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/v1/deliveries", "/v1/events"), query, async (url, params) => {
        const response = await harness.call({ url: `${url}?${new URLSearchParams(params).toString()}` });
        expect(response.statusCode, response.body).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});
