import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { newId } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

type Answer = Awaited<ReturnType<TestHarness["call"]>>;
type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** A Connector's REST API stand-in that answers 200 `{"result":{"upstream":true}}` to anything. */
async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" }).end('{"result":{"upstream":true}}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Keys limited to Connectors (contracts: "API keys scoped to Connectors"): a key limited to A sees
 * and touches A, its events and deliveries, and what is limited to A; B's (and everything of
 * wider reach) answers exactly as a resource that does not exist.
 */
describe("a key limited to Connector A", () => {
  let harness: TestHarness;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const a = uniqueName("tenant-a");
  const b = uniqueName("tenant-b");
  const missing = uniqueName("never-registered");
  let keyA: string;
  let keyBId: string;
  const webhooks = { a: "", b: "", all: "", ab: "" };
  const events = { a: newId("evt"), b: newId("evt") };
  const deliveries = { a: newId("dlv"), b: newId("dlv"), aToAll: newId("dlv") };
  const subscriptions = { a: "", b: "" };

  const as =
    (key: string) =>
    (method: Method, url: string, payload?: object): Promise<Answer> =>
      harness.call({ method, url, key, ...(payload === undefined ? {} : { payload }) });
  let callA: ReturnType<typeof as>;
  const admin = (method: Method, url: string, payload?: object) =>
    harness.call({ method, url, ...(payload === undefined ? {} : { payload }) });

  const expectNotFound = (answer: Answer, code: string, what: string) => {
    expect(answer.statusCode, `${what}: ${answer.body}`).toBe(404);
    expect(answer.json().error.code, what).toBe(code);
  };
  const expectForbidden = (answer: Answer, what: string) => {
    expect(answer.statusCode, `${what}: ${answer.body}`).toBe(403);
    expect(answer.json().error.code, what).toBe("error.hub.forbidden");
  };
  const ids = (answer: Answer) => (answer.json().result as { id: string }[]).map((item) => item.id);

  beforeAll(async () => {
    harness = await buildTestApp();
    upstream = await startUpstream();
    for (const id of [a, b]) {
      const payload = { id, name: id, baseUrl: upstream.url, apiKey: "connector-key-0000000000000000" };
      expect((await admin("POST", "/v1/connectors", payload)).statusCode).toBe(201);
    }
    keyA = (await harness.keyFor([a], "**")).key;
    callA = as(keyA);
    keyBId = (await harness.keyFor([b], "**")).id;

    const webhook = async (connectorIds: string[] | undefined) => {
      const payload = {
        url: "https://example.com",
        triggers: ["**"],
        ...(connectorIds ? { connectorIds } : {}),
      };
      return (await admin("POST", "/v1/webhooks", payload)).json().result.id as string;
    };
    webhooks.a = await webhook([a]);
    webhooks.b = await webhook([b]);
    webhooks.all = await webhook(undefined);
    webhooks.ab = await webhook([a, b]);

    for (const [eventId, connectorId] of [
      [events.a, a],
      [events.b, b],
    ]) {
      await harness.db.query(
        `INSERT INTO events (id, connector_id, trigger, data, occurred_at)
         VALUES ($1, $2, 'transport.messageReceived', '{}', now())`,
        [eventId, connectorId],
      );
    }
    for (const [deliveryId, eventId, destinationId, connectorId] of [
      [deliveries.a, events.a, webhooks.a, a],
      [deliveries.b, events.b, webhooks.b, b],
      [deliveries.aToAll, events.a, webhooks.all, a],
    ]) {
      await harness.db.query(
        `INSERT INTO deliveries (id, event_id, destination_id, connector_id, status, attempt_count, finished_at, created_at)
         VALUES ($1, $2, $3, $4, 'failed', 1, now(), now() - interval '1 minute')`,
        [deliveryId, eventId, destinationId, connectorId],
      );
      await harness.db.query(
        `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, duration_ms, outcome, status_code)
         VALUES ($1, $2, 1, now(), 5, 'failed', 500)`,
        [newId("att"), deliveryId],
      );
    }

    for (const [name, connectorId] of [
      ["a", a],
      ["b", b],
    ] as const) {
      const payload = {
        name: uniqueName(`tenant-sub-${name}`),
        triggers: ["transport.*"],
        connectorIds: [connectorId],
      };
      const answer = await admin("POST", "/v1/subscriptions", payload);
      expect(answer.statusCode, answer.body).toBe(201);
      subscriptions[name] = answer.json().result.id;
    }
  });
  afterAll(async () => {
    await harness.close();
    await upstream.close();
  });

  describe("Connectors", () => {
    it("lists only A, and answers B as it answers a Connector that does not exist", async () => {
      expect(ids(await callA("GET", "/v1/connectors?limit=200"))).toEqual([a]);
      for (const id of [b, missing]) {
        const url = `/v1/connectors/${id}`;
        expectNotFound(await callA("GET", url), "error.hub.connectorNotFound", `GET ${id}`);
        expectNotFound(
          await callA("PATCH", url, { name: "x" }),
          "error.hub.connectorNotFound",
          `PATCH ${id}`,
        );
        expectNotFound(await callA("POST", `${url}/sync`), "error.hub.connectorNotFound", `sync ${id}`);
        expectNotFound(
          await callA("POST", `${url}/ingest-credential`),
          "error.hub.connectorNotFound",
          `ingest-credential ${id}`,
        );
        expectNotFound(await callA("DELETE", url), "error.hub.connectorNotFound", `DELETE ${id}`);
      }
      expect((await admin("GET", `/v1/connectors/${b}`)).json().result.name).toBe(b); // untouched
    });

    it("reads, changes and syncs A", async () => {
      expect((await callA("GET", `/v1/connectors/${a}`)).json().result.id).toBe(a);
      expect((await callA("PATCH", `/v1/connectors/${a}`, { name: "A renamed" })).json().result.name).toBe(
        "A renamed",
      );
      expect((await callA("POST", `/v1/connectors/${a}/sync`)).statusCode).toBe(202);
    });

    it("cannot register a Connector", async () => {
      const answer = await callA("POST", "/v1/connectors", { name: "new", baseUrl: "http://127.0.0.1:9" });
      expectForbidden(answer, "register");
    });

    it("reaches A's Core API and monitoring routes through the proxy, never B's", async () => {
      for (const path of ["api/v2/Account/IdentityInfo", "health", "Monitoring/Version"]) {
        for (const id of [b, missing]) {
          const answer = await callA("GET", `/v1/connectors/${id}/${path}`);
          expectNotFound(answer, "error.hub.connectorNotFound", `${id}/${path}`);
        }
        const own = await callA("GET", `/v1/connectors/${a}/${path}`);
        expect(own.json(), `${a}/${path}`).toEqual({ result: { upstream: true } });
      }
    });
  });

  describe("events and deliveries", () => {
    it("lists and reads only A's events, with only the deliveries it may see", async () => {
      const listed = ids(await callA("GET", "/v1/events?limit=200"));
      expect(listed).toContain(events.a);
      expect(listed).not.toContain(events.b);
      expect((await callA("GET", `/v1/events?connectorId=${b}`)).json().result).toEqual([]);
      expectNotFound(await callA("GET", `/v1/events/${events.b}`), "error.hub.eventNotFound", "event B");
      const own = (await callA("GET", `/v1/events/${events.a}`)).json().result;
      // The delivery of A's event to the unlimited destination is beyond the key, as that destination is.
      expect(own.deliveries.map((d: { id: string }) => d.id)).toEqual([deliveries.a]);
    });

    it("redelivers only its own events, only to destinations it may see", async () => {
      const redeliver = (eventId: string, destinationIds?: string[]) =>
        callA("POST", `/v1/events/${eventId}/redeliver`, destinationIds ? { destinationIds } : {});
      expectNotFound(await redeliver(events.b), "error.hub.eventNotFound", "redeliver B");
      for (const target of [webhooks.b, webhooks.all, webhooks.ab]) {
        expectNotFound(await redeliver(events.a, [target]), "error.hub.webhookNotFound", `to ${target}`);
      }
      const all = await redeliver(events.a);
      expect(all.statusCode, all.body).toBe(202);
      expect(all.json().result.deliveryIds).toEqual([deliveries.a]); // not the unlimited destination's
    });

    it("lists, reads and resends only the deliveries it may see", async () => {
      const listed = ids(await callA("GET", "/v1/deliveries?limit=200"));
      expect(listed).toContain(deliveries.a);
      expect(listed).not.toContain(deliveries.b);
      expect(listed).not.toContain(deliveries.aToAll);
      for (const id of [deliveries.b, deliveries.aToAll]) {
        expectNotFound(await callA("GET", `/v1/deliveries/${id}`), "error.hub.deliveryNotFound", id);
        expectNotFound(await callA("POST", `/v1/deliveries/${id}/resend`), "error.hub.deliveryNotFound", id);
      }
      await harness.db.query(`UPDATE deliveries SET status = 'failed' WHERE id = $1`, [deliveries.a]);
      expect((await callA("GET", `/v1/deliveries/${deliveries.a}`)).json().result.attempts).toHaveLength(1);
      expect((await callA("POST", `/v1/deliveries/${deliveries.a}/resend`)).statusCode).toBe(202);
      const untouched = await harness.db.query(`SELECT status FROM deliveries WHERE id = ANY ($1)`, [
        [deliveries.b, deliveries.aToAll],
      ]);
      expect(untouched.rows.map((row) => row.status)).toEqual(["failed", "failed"]);
    });
  });

  describe("webhooks", () => {
    it("lists only destinations limited to A and answers every other as not found", async () => {
      const listed = ids(await callA("GET", "/v1/webhooks?limit=200"));
      expect(listed).toContain(webhooks.a);
      for (const other of [webhooks.b, webhooks.all, webhooks.ab]) expect(listed).not.toContain(other);
      const since = new Date(Date.now() - 3_600_000).toISOString();
      for (const id of [webhooks.b, webhooks.all, webhooks.ab, "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W"]) {
        const url = `/v1/webhooks/${id}`;
        for (const [method, path, payload] of [
          ["GET", "", undefined],
          ["PATCH", "", { description: "x" }],
          ["POST", "/enable", undefined],
          ["POST", "/disable", undefined],
          ["POST", "/rotate-secret", undefined],
          ["POST", "/test", undefined],
          ["POST", "/recover", { since }],
          ["DELETE", "", undefined],
        ] as const) {
          const answer = await callA(method, `${url}${path}`, payload);
          expectNotFound(answer, "error.hub.webhookNotFound", `${method} ${url}${path}`);
        }
      }
      const failed = await harness.db.query(
        `SELECT count(*)::int AS n FROM deliveries WHERE id = $1 AND status = 'failed'`,
        [deliveries.b],
      );
      expect(failed.rows[0].n).toBe(1); // recover did not touch B's delivery
    });

    it("manages its own destination, but cannot widen its Connectors", async () => {
      const url = `/v1/webhooks/${webhooks.a}`;
      expect((await callA("PATCH", url, { description: "mine" })).statusCode).toBe(200);
      expectForbidden(await callA("PATCH", url, { connectorIds: null }), "PATCH connectorIds null");
      expectForbidden(await callA("PATCH", url, { connectorIds: [a, b] }), "PATCH connectorIds [a, b]");
      expect((await callA("POST", `${url}/disable`)).statusCode).toBe(200);
      expect((await callA("POST", `${url}/enable`)).statusCode).toBe(200);
      expect((await callA("POST", `${url}/rotate-secret`)).statusCode).toBe(201);
      const since = new Date(Date.now() - 3_600_000).toISOString();
      expect((await callA("POST", `${url}/recover`, { since })).statusCode).toBe(202);
      const test = await callA("POST", `${url}/test`);
      expect(test.statusCode, test.body).toBe(202);
      const testDelivery = await callA("GET", `/v1/deliveries/${test.json().result.deliveryId}`);
      expect(testDelivery.statusCode, testDelivery.body).toBe(200);
      expect((await admin("GET", `/v1/webhooks/${webhooks.a}`)).json().result.connectorIds).toEqual([a]);
    });

    it("creates and imports destinations limited to A, and nothing wider", async () => {
      const created = await callA("POST", "/v1/webhooks", { url: "https://example.com", triggers: ["a.b"] });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().result.connectorIds).toEqual([a]);
      for (const connectorIds of [[b], [a, b], null]) {
        const payload = { url: "https://example.com", triggers: ["a.b"], connectorIds };
        expectForbidden(
          await callA("POST", "/v1/webhooks", payload),
          `create ${JSON.stringify(connectorIds)}`,
        );
      }
      const config = { webhooks: [{ triggers: ["a.b"], target: { url: "https://example.com/hook" } }] };
      const imported = await callA("POST", "/v1/webhooks/import", config);
      expect(imported.statusCode, imported.body).toBe(201);
      expect(imported.json().result[0].connectorIds).toEqual([a]);
      expectForbidden(
        await callA("POST", "/v1/webhooks/import", { ...config, connectorIds: [b] }),
        "import B",
      );
    });
  });

  describe("subscriptions", () => {
    it("lists, reads and deletes only subscriptions limited to A; creates only such", async () => {
      const listed = ids(await callA("GET", "/v1/subscriptions?limit=200"));
      expect(listed).toContain(subscriptions.a);
      expect(listed).not.toContain(subscriptions.b);
      const url = `/v1/subscriptions/${subscriptions.b}`;
      expectNotFound(await callA("GET", url), "error.hub.subscriptionNotFound", "GET sub B");
      expectNotFound(await callA("DELETE", url), "error.hub.subscriptionNotFound", "DELETE sub B");
      expect((await admin("GET", url)).statusCode).toBe(200);

      const created = await callA("POST", "/v1/subscriptions", {
        name: uniqueName("tenant-own"),
        triggers: ["a.b"],
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().result).toMatchObject({ connectorIds: [a] });
      expect(created.json().result.filter).toContain(a);
      const wider = { name: uniqueName("tenant-wide"), triggers: ["a.b"], connectorIds: [b] };
      expectForbidden(await callA("POST", "/v1/subscriptions", wider), "subscribe to B");
      expect((await callA("DELETE", `/v1/subscriptions/${created.json().result.id}`)).statusCode).toBe(204);
    });
  });

  describe("keys", () => {
    it("mints only keys limited within A, and sees only such keys", async () => {
      const own = await callA("POST", "/v1/keys", { name: "a-child", scopes: ["events:read"] });
      expect(own.statusCode, own.body).toBe(201);
      expect(own.json().result.connectorIds).toEqual([a]);
      expectForbidden(
        await callA("POST", "/v1/keys", { name: "b", scopes: ["events:read"], connectorIds: [b] }),
        "key for B",
      );
      expectForbidden(
        await callA("POST", "/v1/keys", { name: "ab", scopes: ["events:read"], connectorIds: [a, b] }),
        "key for A and B",
      );
      const child = own.json().result.key as string;
      expect((await as(child)("GET", `/v1/events/${events.b}`)).statusCode).toBe(404);

      const listed = (await callA("GET", "/v1/keys?limit=200")).json().result as { connectorIds: unknown }[];
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((key) => JSON.stringify(key.connectorIds) === JSON.stringify([a]))).toBe(true);
      expectNotFound(await callA("GET", `/v1/keys/${keyBId}`), "error.hub.keyNotFound", "GET key B");
      expectNotFound(await callA("DELETE", `/v1/keys/${keyBId}`), "error.hub.keyNotFound", "revoke key B");
      expect((await admin("GET", `/v1/keys/${keyBId}`)).json().result.revokedAt).toBeNull();
    });
  });
});
