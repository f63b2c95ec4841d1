import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

describe("/v1/keys, idempotency and rate limiting", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  it("creates a key shown once, stores only its hash, lists and reads it, and revokes it", async () => {
    const created = await harness.call({
      method: "POST",
      url: "/v1/keys",
      payload: { name: "reader", scopes: ["webhooks:read", "deliveries:*"] },
    });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json().result;
    expect(key).toMatch(/^hubk_/);
    const { rows } = await harness.db.query("SELECT key_hash FROM api_keys WHERE id = $1", [id]);
    expect(rows[0].key_hash).toBe(createHash("sha256").update(key).digest("hex"));

    expect((await harness.call({ url: "/v1/webhooks", key })).statusCode).toBe(200);
    expect((await harness.call({ url: "/v1/deliveries", key })).statusCode).toBe(200);
    const forbidden = await harness.call({ method: "POST", url: "/v1/webhooks", key, payload: {} });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.message).toContain("webhooks:write");

    const read = await harness.call({ url: `/v1/keys/${id}` });
    expect(read.json().result).toMatchObject({ id, name: "reader", revokedAt: null });
    expect(read.body).not.toContain(key);
    const list = await harness.call({ url: "/v1/keys?limit=200" });
    expect(list.json().result.map((k: { id: string }) => k.id)).toContain(id);
    expect(list.body).not.toContain(key);

    expect((await harness.call({ method: "DELETE", url: `/v1/keys/${id}` })).statusCode).toBe(204);
    expect((await harness.call({ url: "/v1/webhooks", key })).statusCode).toBe(401);
    expect((await harness.call({ url: `/v1/keys/${id}` })).json().result.revokedAt).not.toBeNull();
  });

  it("pages with limit and cursor", async () => {
    for (let i = 0; i < 3; i++) await harness.keyWith("events:read");
    const first = (await harness.call({ url: "/v1/keys?limit=2" })).json();
    expect(first.result).toHaveLength(2);
    const second = (await harness.call({ url: `/v1/keys?limit=2&cursor=${first.nextCursor}` })).json();
    expect(second.result[0].id > first.result[1].id).toBe(true);
  });

  it("refuses to grant scopes the creating key lacks", async () => {
    const key = await harness.keyWith("keys:write", "webhooks:read");
    const call = (scopes: string[]) =>
      harness.call({ method: "POST", url: "/v1/keys", key, payload: { name: "x", scopes } });
    expect((await call(["webhooks:read"])).statusCode).toBe(201);
    expect((await call(["**"])).statusCode).toBe(403);
    expect((await call(["webhooks:write"])).statusCode).toBe(403);
  });

  it.each([
    [{ scopes: ["**"] }, "name"],
    [{ name: "x", scopes: [] }, "scopes"],
    [{ name: "x", scopes: ["a.b"] }, "scopes/0"],
    [{ name: "x", scopes: ["**"], expiresAt: "2001-01-01T00:00:00Z" }, "expiresAt"],
    [{ name: "x", scopes: ["**"], extra: 1 }, "extra"],
  ])("rejects %j with a 400 naming %s", async (payload, field) => {
    const response = await harness.call({ method: "POST", url: "/v1/keys", payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
  });

  it("answers 404 for an unknown key and 400 for a malformed id", async () => {
    expect((await harness.call({ url: "/v1/keys/key_01J9ZQ3V4K6X8B2N5M7P9R1T3W" })).statusCode).toBe(404);
    expect(
      (await harness.call({ method: "DELETE", url: "/v1/keys/key_01J9ZQ3V4K6X8B2N5M7P9R1T3W" })).statusCode,
    ).toBe(404);
    expect((await harness.call({ url: "/v1/keys/nope" })).statusCode).toBe(400);
  });

  it("replays the answer to a repeated Idempotency-Key and refuses it for another body", async () => {
    const post = (name: string) =>
      harness.call({
        method: "POST",
        url: "/v1/keys",
        headers: { "idempotency-key": "idem-keys-1" },
        payload: { name, scopes: ["events:read"] },
      });
    const first = await post("once");
    const again = await post("once");
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    const { rows } = await harness.db.query("SELECT count(*)::int AS n FROM api_keys WHERE name = 'once'");
    expect(rows[0].n).toBe(1);
    const other = await post("different");
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe("error.hub.idempotencyKeyReused");
  });

  it("limits each API key and answers 429 with Retry-After", async () => {
    const limited = await buildTestApp({ rateLimit: { ratePerSecond: 0.01, burst: 2 } });
    try {
      const key = await limited.keyWith("keys:read"); // the admin key's first token
      expect((await limited.call({ url: "/v1/keys", key })).statusCode).toBe(200);
      expect((await limited.call({ url: "/v1/keys", key })).statusCode).toBe(200);
      const refused = await limited.call({ url: "/v1/keys", key });
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(refused.json().error.code).toBe("error.hub.http.tooManyRequests");
      expect((await limited.call({ url: "/v1/keys" })).statusCode).toBe(200); // the admin key has its own bucket
    } finally {
      await limited.close();
    }
  });
});
