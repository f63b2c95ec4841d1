import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, TEST_ADMIN_KEY } from "../../test/build-test-app.ts";

describe("/v1/connectors", () => {
  let harness: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const request = (
    method: "GET" | "POST",
    url: string,
    payload?: object,
    key: string | null = TEST_ADMIN_KEY,
  ) =>
    harness.app.inject({
      method,
      url,
      headers: key ? { "x-api-key": key } : {},
      ...(payload ? { payload } : {}),
    });
  const storedHash = async (id: string) =>
    (await harness.db.query("SELECT ingest_key_hash FROM connectors WHERE id = $1", [id])).rows[0]
      .ingest_key_hash;
  const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

  it("registers a Connector and hands out its ingest credential once, storing only a hash", async () => {
    const id = uniqueName("acme");
    const response = await request("POST", "/v1/connectors", {
      id,
      name: "ACME",
      baseUrl: "https://connector.example.com/",
      apiKey: "the-connectors-own-key-0123456789",
    });
    expect(response.statusCode).toBe(201);
    const { connector, ingest } = response.json().result;
    expect(connector).toMatchObject({
      id,
      baseUrl: "https://connector.example.com",
      apiPrefix: "/api/v2",
      hasApiKey: true,
    });
    expect(ingest.url).toBe(`http://ingest.test/v1/ingest/${id}`);
    expect(ingest.authentication).toMatchObject({ type: "ApiKey", headerName: "x-api-key" });
    expect(await storedHash(id)).toBe(sha256(ingest.authentication.apiKey));

    const read = await request("GET", `/v1/connectors/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain("the-connectors-own-key");
    expect(read.body).not.toContain(ingest.authentication.apiKey);
    expect(
      (await request("POST", "/v1/connectors", { id, name: "again", baseUrl: "https://x.example" }))
        .statusCode,
    ).toBe(409);
  });

  it("rotates the ingest credential: the new key is stored, the old one no longer matches", async () => {
    const id = uniqueName("rotating");
    const created = await request("POST", "/v1/connectors", { id, name: "R", baseUrl: "http://127.0.0.1:9" });
    const oldKey = created.json().result.ingest.authentication.apiKey;
    const rotated = await request("POST", `/v1/connectors/${id}/ingest-credential`);
    expect(rotated.statusCode).toBe(201);
    const newKey = rotated.json().result.authentication.apiKey;
    expect(newKey).not.toBe(oldKey);
    expect(await storedHash(id)).toBe(sha256(newKey));
    expect((await request("POST", "/v1/connectors/nobody/ingest-credential")).statusCode).toBe(404);
  });

  it("lists Connectors in the same shape as it reads one, sync status included", async () => {
    const synced = uniqueName("synced");
    const never = uniqueName("never");
    for (const id of [synced, never]) {
      expect(
        (await request("POST", "/v1/connectors", { id, name: id, baseUrl: "http://127.0.0.1:9" })).statusCode,
      ).toBe(201);
    }
    // What sync-worker records after a failed sync.
    await harness.db.query(
      `INSERT INTO connector_sync_state (connector_id, last_started_at, last_failed_at, last_error, consecutive_failures)
       VALUES ($1, now(), now(), 'HTTP 500', 1)`,
      [synced],
    );
    const listed = (await request("GET", "/v1/connectors?limit=200")).json().result as { id: string }[];
    for (const id of [synced, never]) {
      const read = (await request("GET", `/v1/connectors/${id}`)).json().result;
      expect(listed.find((connector) => connector.id === id)).toEqual({
        ...read,
        sync: { ...read.sync, lagSeconds: null },
      });
    }
    expect(listed.find((connector) => connector.id === synced)).toMatchObject({
      sync: { lastError: "HTTP 500", consecutiveFailures: 1 },
    });
    expect(listed.find((connector) => connector.id === never)).toMatchObject({
      sync: { lastStartedAt: null, lastError: null, consecutiveFailures: 0 },
    });
  });

  it.each([
    [{ name: "x" }, "baseUrl"],
    [{ name: "x", baseUrl: "mailto:a@b.c" }, "baseUrl"],
    [{ name: "x", baseUrl: "http://a.example", apiPrefix: "/api/v9" }, "apiPrefix"],
    [{ name: "x", baseUrl: "http://a.example", syncIntervalSeconds: 0 }, "syncIntervalSeconds"],
    [{ name: "x", baseUrl: "http://a.example", id: "has spaces" }, "id"],
  ])("rejects %o with a 400 naming %s", async (payload, field) => {
    const response = await request("POST", "/v1/connectors", payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
  });

  it("answers 401 without a key and 404 for an unknown Connector", async () => {
    expect((await request("GET", "/v1/connectors/x", undefined, null)).statusCode).toBe(401);
    expect((await request("GET", "/v1/connectors/nobody")).json().error.code).toBe(
      "error.hub.connectorNotFound",
    );
  });
});
