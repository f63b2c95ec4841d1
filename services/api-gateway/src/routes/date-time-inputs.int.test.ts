import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

// `date-time` admits leap seconds, which a Date cannot hold: each route that turns one into a Date
// answers a 400 naming the field, never a 500 from Postgres.
const LEAP_SECOND = "2016-12-31T23:59:60Z";

describe("date-time inputs holding a leap second", () => {
  let harness: TestHarness;
  let webhookId: string;
  beforeAll(async () => {
    harness = await buildTestApp();
    webhookId = await harness.webhookFor("a.b");
  });
  afterAll(() => harness.close());

  const cases = [
    {
      name: "GET /v1/deliveries?since",
      field: "querystring/since",
      request: () => ({ url: `/v1/deliveries?since=${LEAP_SECOND}` }),
    },
    {
      name: "GET /v1/deliveries?until",
      field: "querystring/until",
      request: () => ({ url: `/v1/deliveries?until=${LEAP_SECOND}` }),
    },
    {
      name: "GET /v1/events?since",
      field: "querystring/since",
      request: () => ({ url: `/v1/events?since=${LEAP_SECOND}` }),
    },
    {
      name: "GET /v1/events?until",
      field: "querystring/until",
      request: () => ({ url: `/v1/events?until=${LEAP_SECOND}` }),
    },
    {
      name: "POST /v1/keys expiresAt",
      field: "body/expiresAt",
      request: () => ({
        method: "POST" as const,
        url: "/v1/keys",
        payload: { name: "leap", scopes: ["events:read"], expiresAt: "2999-12-31T23:59:60Z" },
      }),
    },
    {
      name: "POST /v1/webhooks/{id}/recover since",
      field: "body/since",
      request: () => ({
        method: "POST" as const,
        url: `/v1/webhooks/${webhookId}/recover`,
        payload: { since: LEAP_SECOND },
      }),
    },
    {
      name: "POST /v1/webhooks/{id}/recover until",
      field: "body/until",
      request: () => ({
        method: "POST" as const,
        url: `/v1/webhooks/${webhookId}/recover`,
        payload: { since: "2016-01-01T00:00:00Z", until: LEAP_SECOND },
      }),
    },
  ];

  it.each(cases)("$name: 400 naming $field", async ({ field, request }) => {
    const response = await harness.call(request());
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ code: "error.hub.validation" });
    expect(response.json().error.message).toContain(field);
  });

  it("still reads the second before one", async () => {
    const response = await harness.call({ url: "/v1/events?until=2016-12-31T23:59:59Z" });
    expect(response.statusCode, response.body).toBe(200);
  });
});
