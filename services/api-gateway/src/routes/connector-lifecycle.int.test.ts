import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import { connectorApiKeySealing } from "@event-hub/shared";

describe("/v1/connectors: list, update, delete, status and sync now", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const register = async () => {
    const id = uniqueName("con");
    const response = await harness.call({
      method: "POST",
      url: "/v1/connectors",
      payload: { id, name: "C", baseUrl: "http://127.0.0.1:9", apiKey: "k".repeat(30) },
    });
    expect(response.statusCode).toBe(201);
    return id;
  };

  it("lists Connectors with cursor paging", async () => {
    const ids = [await register(), await register()];
    const page = (await harness.call({ url: "/v1/connectors?limit=200" })).json();
    expect(page.result.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(ids));
    const first = (await harness.call({ url: "/v1/connectors?limit=1" })).json();
    expect(first.nextCursor).toBe(first.result[0].id);
    expect((await harness.call({ url: "/v1/connectors?limit=0" })).json().error.message).toContain("limit");
    expect((await harness.call({ url: "/v1/connectors?color=red" })).json().error.message).toContain("color");
  });

  it("updates a Connector's settings and keeps its API key sealed", async () => {
    const id = await register();
    const response = await harness.call({
      method: "PATCH",
      url: `/v1/connectors/${id}`,
      payload: {
        name: "Renamed",
        syncIntervalSeconds: 30,
        apiKey: "new-key-".repeat(5),
        automations: { autoAcceptPendingRelationships: true },
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().result).toMatchObject({
      name: "Renamed",
      syncIntervalSeconds: 30,
      hasApiKey: true,
      automations: { autoAcceptPendingRelationships: true },
    });
    const { rows } = await harness.db.query("SELECT api_key_sealed FROM connectors WHERE id = $1", [id]);
    expect(harness.secrets.open(rows[0].api_key_sealed, connectorApiKeySealing(id))).toBe(
      "new-key-".repeat(5),
    );
    expect(response.body).not.toContain("new-key-");
    const removed = await harness.call({
      method: "PATCH",
      url: `/v1/connectors/${id}`,
      payload: { apiKey: null },
    });
    expect(removed.json().result.hasApiKey).toBe(false);
  });

  it.each([
    [{}, "body"],
    [{ baseUrl: "ftp://x" }, "baseUrl"],
    [{ syncIntervalSeconds: 0 }, "syncIntervalSeconds"],
    [{ unknown: 1 }, "unknown"],
  ])("rejects the patch %j with a 400 naming %s", async (payload, field) => {
    const response = await harness.call({ method: "PATCH", url: "/v1/connectors/any", payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
  });

  it("shows sync-worker's status and records a sync-now request with a NOTIFY", async () => {
    const id = await register();
    const before = (await harness.call({ url: `/v1/connectors/${id}` })).json().result;
    expect(before.sync).toMatchObject({ lastSucceededAt: null, lagSeconds: null, consecutiveFailures: 0 });

    const listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await listener.connect();
    const notified = new Promise<string | undefined>((resolve) =>
      listener.on("notification", (n) => resolve(n.payload)),
    );
    await listener.query("LISTEN connector_sync_requested");
    try {
      const response = await harness.call({ method: "POST", url: `/v1/connectors/${id}/sync` });
      expect(response.statusCode).toBe(202);
      expect(await notified).toBe(id);
    } finally {
      await listener.end();
    }
    await harness.db.query(
      `UPDATE connector_sync_state SET last_succeeded_at = now() - interval '90 seconds', last_error = 'boom',
         consecutive_failures = 2 WHERE connector_id = $1`,
      [id],
    );
    const after = (await harness.call({ url: `/v1/connectors/${id}` })).json().result.sync;
    expect(after.syncRequestedAt).not.toBeNull();
    expect(after).toMatchObject({ lastError: "boom", consecutiveFailures: 2 });
    expect(after.lagSeconds).toBeGreaterThanOrEqual(90);
  });

  it("deletes a Connector; then it is 404 everywhere", async () => {
    const id = await register();
    expect((await harness.call({ method: "DELETE", url: `/v1/connectors/${id}` })).statusCode).toBe(204);
    for (const [method, url] of [
      ["GET", `/v1/connectors/${id}`],
      ["PATCH", `/v1/connectors/${id}`],
      ["DELETE", `/v1/connectors/${id}`],
      ["POST", `/v1/connectors/${id}/sync`],
      ["POST", `/v1/connectors/${id}/ingest-credential`],
    ] as const) {
      const response = await harness.call({
        method,
        url,
        ...(method === "PATCH" ? { payload: { name: "x" } } : {}),
      });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error.code).toBe("error.hub.connectorNotFound");
    }
  });
});
