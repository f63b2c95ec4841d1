import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_ADMIN_KEY } from "../../test/build-test-app.ts";

describe("/v1/webhooks", () => {
  let harness: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const post = (payload: unknown, key: string | null = TEST_ADMIN_KEY) =>
    harness.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: key ? { "x-api-key": key } : {},
      payload: payload as object,
    });

  it("creates a webhook, returns its secret once, and reads it back without the secret", async () => {
    const created = await post({ url: "https://example.com/{{trigger}}", triggers: ["transport.**"] });
    expect(created.statusCode).toBe(201);
    const { result } = created.json();
    expect(result).toMatchObject({
      url: "https://example.com/{{trigger}}",
      triggers: ["transport.**"],
      enabled: true,
    });
    expect(result.id).toMatch(/^whk_/);
    expect(result.secret).toMatch(/^whsec_/);

    const read = await harness.app.inject({
      url: `/v1/webhooks/${result.id}`,
      headers: { "x-api-key": TEST_ADMIN_KEY },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json().result.secret).toBeUndefined();
    expect(read.body).not.toContain(result.secret);

    const { rows } = await harness.db.query(
      "SELECT secret_sealed FROM destination_secrets WHERE destination_id = $1",
      [result.id],
    );
    expect(rows[0].secret_sealed).not.toContain(result.secret.slice(6));
  });

  it.each([
    [{ triggers: ["a.b"] }, "url"],
    [{ url: "ftp://example.com", triggers: ["a.b"] }, "url"],
    [{ url: "https://example.com" }, "triggers"],
    [{ url: "https://example.com", triggers: [] }, "triggers"],
    [{ url: "https://example.com", triggers: ["a..b"] }, "triggers"],
    [{ url: "https://example.com", triggers: ["a"], surprise: 1 }, "surprise"],
  ])("rejects %o with a 400 that names %s", async (payload, field) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toMatch(/^error\.hub\.validation/);
    expect(error.message).toContain(field);
    expect(error.id).toMatch(/^ERR/);
  });

  it("answers 401 without a key and with a wrong key", async () => {
    expect((await post({ url: "https://example.com", triggers: ["a"] }, null)).statusCode).toBe(401);
    expect((await post({ url: "https://example.com", triggers: ["a"] }, "wrong")).statusCode).toBe(401);
  });

  it("answers 404 for an unknown webhook", async () => {
    const response = await harness.app.inject({
      url: "/v1/webhooks/whk_00000000000000000000000000",
      headers: { "x-api-key": TEST_ADMIN_KEY },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe("error.hub.webhookNotFound");
  });
});
