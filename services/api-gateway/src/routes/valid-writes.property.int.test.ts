import { connectorApiKeySealing, isValidTriggerPattern, newId } from "@event-hub/shared";
import fc from "fast-check";
import type { TSchema } from "typebox";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import { isValidScopePattern } from "../auth/scopes.ts";
import { ConnectorInput } from "./connector-schemas.ts";
import { ApiKeyInput } from "./key-schemas.ts";
import { SubscriptionInput } from "./subscription-schemas.ts";

// Valid bodies (write-routes.property.int.test.ts throws random ones): each write route answers
// 2xx or one of its documented 4xx, never a 500, and what it stored still satisfies the route's
// input constraints, read back from the rows themselves.
describe("write routes under valid bodies", () => {
  let harness: TestHarness;
  let webhookId: string;
  const connectorId = uniqueName("con");
  beforeAll(async () => {
    harness = await buildTestApp();
    webhookId = await harness.webhookFor("**");
  });
  afterAll(() => harness.close());

  const segment = fc.stringMatching(/^[a-z][A-Za-z0-9_-]{0,8}$/);
  const pattern = (separator: string) =>
    fc
      .array(fc.oneof({ weight: 4, arbitrary: segment }, fc.constant("*"), fc.constant("**")), {
        minLength: 1,
        maxLength: 4,
      })
      .map((parts) => parts.filter((part, i) => !(part === "**" && parts[i + 1] === "**")).join(separator));
  const triggers = fc.uniqueArray(pattern("."), { minLength: 1, maxLength: 5 });
  const futureTimes = fc
    .date({
      min: new Date(Date.now() + 86_400_000),
      max: new Date("9999-12-31T23:59:59Z"),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString());
  const names = fc.string({ minLength: 1, maxLength: 200 });
  const connectorIds = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/), {
    minLength: 1,
    maxLength: 3,
  });
  const baseUrls = fc.constantFrom(
    "http://connector-a:8080",
    "https://connector.example.com",
    "http://127.0.0.1:1/base",
    "https://[::1]:8443",
  );
  const brokerSubscriptions = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._~%+-]{2,40}$/);

  const post = (url: string, payload: unknown, method: "POST" | "PATCH" = "POST") =>
    harness.call({ method, url, payload: payload as object });
  const expectAnswered = (response: Awaited<ReturnType<typeof post>>, allowed: number[]): void => {
    expect(allowed, `${response.statusCode} ${response.body}`).toContain(response.statusCode);
  };
  const problems = (schema: TSchema, value: unknown) =>
    [...Value.Errors(schema, value)].map((error) => `${error.instancePath} ${error.message}`);

  it("POST /v1/keys stores keys whose name, scopes and expiry satisfy the input schema", async () => {
    const body = fc.record(
      {
        name: names,
        scopes: fc.uniqueArray(pattern(":"), { minLength: 1, maxLength: 5 }),
        expiresAt: futureTimes,
      },
      { requiredKeys: ["name", "scopes"] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => expectAnswered(await post("/v1/keys", payload), [201])),
      { numRuns: 60 },
    );
    const { rows } = await harness.db.query("SELECT name, scopes, expires_at, created_at FROM api_keys");
    expect(rows.length).toBeGreaterThanOrEqual(60);
    for (const row of rows) {
      const input = {
        name: row.name,
        scopes: row.scopes,
        ...(row.expires_at && { expiresAt: row.expires_at.toISOString() }),
      };
      expect(problems(ApiKeyInput, input), JSON.stringify(row)).toEqual([]);
      expect(row.scopes.every(isValidScopePattern), JSON.stringify(row)).toBe(true);
      if (row.expires_at) expect(row.expires_at.getTime()).toBeGreaterThan(row.created_at.getTime());
    }
  });

  it("POST and PATCH /v1/connectors store Connectors that satisfy the input schema", async () => {
    const settings = {
      name: names,
      baseUrl: baseUrls,
      apiPrefix: fc.constantFrom("/api/v2", "/api/core/v1"),
      apiKey: fc.string({ minLength: 1, maxLength: 100 }),
      syncIntervalSeconds: fc.integer({ min: 1, max: 86400 }),
      enabled: fc.boolean(),
      automations: fc.record({ autoAcceptPendingRelationships: fc.boolean() }, { requiredKeys: [] }),
      brokerSubscription: brokerSubscriptions,
    };
    const created = fc.record(
      { id: connectorIds.map((ids) => ids[0] as string), ...settings },
      {
        requiredKeys: ["name", "baseUrl"],
      },
    );
    const patch = fc
      .record(
        {
          ...settings,
          apiKey: fc.option(settings.apiKey),
          brokerSubscription: fc.option(brokerSubscriptions),
        },
        { requiredKeys: [] },
      )
      // A new baseUrl needs the Connector's apiKey (or null) in the same body.
      .filter(
        (body) => Object.keys(body).length > 0 && (body.baseUrl === undefined || body.apiKey !== undefined),
      );
    await post("/v1/connectors", { id: connectorId, name: "patched", baseUrl: "http://connector-a:8080" });
    await fc.assert(
      fc.asyncProperty(created, patch, async (registration, change) => {
        expectAnswered(await post("/v1/connectors", registration), [201, 409]);
        expectAnswered(await post(`/v1/connectors/${connectorId}`, change, "PATCH"), [200]);
      }),
      { numRuns: 60 },
    );
    const { rows } = await harness.db.query("SELECT * FROM connectors");
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      const input = {
        id: row.id,
        name: row.name,
        baseUrl: row.base_url,
        apiPrefix: row.api_prefix,
        ...(row.api_key_sealed !== null && {
          apiKey: harness.secrets.open(row.api_key_sealed, connectorApiKeySealing(row.id)),
        }),
        syncIntervalSeconds: row.sync_interval_seconds,
        enabled: row.enabled,
        automations: row.automations,
        ...(row.broker_subscription !== null && { brokerSubscription: row.broker_subscription }),
      };
      expect(problems(ConnectorInput, input), JSON.stringify(row)).toEqual([]);
    }
  });

  it("POST /v1/subscriptions stores subscriptions that satisfy the input schema", async () => {
    const prefix = uniqueName("s");
    let created = 0;
    const body = fc.record(
      {
        name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9._~%+-]{2,30}$/).map((name) => `${prefix}-${name}`),
        triggers,
        connectorIds,
        ackDeadlineSeconds: fc.integer({ min: 10, max: 600 }),
        retentionSeconds: fc.integer({ min: 600, max: 604800 }),
        ordered: fc.boolean(),
        deadLetter: fc.record({
          topic: fc.constant(uniqueName("dead")),
          maxDeliveryAttempts: fc.integer({ min: 5, max: 100 }),
        }),
        pushEndpoint: fc.constantFrom("https://backend.example.com/push", "http://10.0.0.1:8080/p"),
      },
      { requiredKeys: ["name", "triggers"] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        // fast-check may repeat a value: the run number keeps each name new.
        const name = `${payload.name}-${created}`;
        const response = await post("/v1/subscriptions", { ...payload, name });
        expectAnswered(response, [201, 400]);
        // Valid input the schema cannot foresee: the filter built from it exceeds Pub/Sub's limit.
        if (response.statusCode === 400) expect(response.json().error.message).toContain("Pub/Sub filter");
        else created += 1;
      }),
      { numRuns: 25 },
    );
    const { rows } = await harness.db.query(
      "SELECT name, triggers, connector_ids, settings FROM pubsub_subscriptions",
    );
    expect(rows).toHaveLength(created);
    expect(created).toBeGreaterThan(10);
    for (const row of rows) {
      const { deadLetter, pushEndpoint, ...settings } = row.settings;
      const input = {
        name: row.name,
        triggers: row.triggers,
        ...(row.connector_ids && { connectorIds: row.connector_ids }),
        ...settings,
        ...(deadLetter && { deadLetter }),
        ...(pushEndpoint && { pushEndpoint }),
      };
      expect(problems(SubscriptionInput, input), JSON.stringify(row)).toEqual([]);
      expect(row.triggers.every(isValidTriggerPattern), JSON.stringify(row)).toBe(true);
    }
  });

  it("enable and disable leave the destination's state and reason consistent", async () => {
    const action = fc.record({
      enabled: fc.boolean(),
      body: fc.option(fc.record({ reason: fc.string({ maxLength: 500 }) }, { requiredKeys: [] }), {
        nil: undefined,
      }),
    });
    await fc.assert(
      fc.asyncProperty(action, async ({ enabled, body }) => {
        const url = `/v1/webhooks/${webhookId}/${enabled ? "enable" : "disable"}`;
        expectAnswered(await harness.call({ method: "POST", url, ...(body && { payload: body }) }), [200]);
        const { rows } = await harness.db.query(
          "SELECT enabled, disabled_reason FROM destinations WHERE id = $1",
          [webhookId],
        );
        expect(rows[0].enabled).toBe(enabled);
        if (enabled) expect(rows[0].disabled_reason).toBeNull();
        else expect(rows[0].disabled_reason).toBe(body?.reason ?? "disabled through the API");
      }),
      { numRuns: 40 },
    );
  });

  it("recover re-queues (or creates) at most its limit, exactly the deliveries it reports", async () => {
    await harness.call({ method: "POST", url: `/v1/webhooks/${webhookId}/enable` });
    const pendingCount = async () =>
      (
        await harness.db.query(
          "SELECT count(*)::int AS n FROM deliveries WHERE destination_id = $1 AND status = 'pending'",
          [webhookId],
        )
      ).rows[0].n as number;
    const window = fc.record(
      {
        since: fc.constantFrom("2000-01-01T00:00:00Z", new Date(Date.now() - 3_600_000).toISOString()),
        until: fc.constantFrom(new Date(Date.now() + 3_600_000).toISOString(), "2999-01-01T00:00:00Z"),
        limit: fc.integer({ min: 1, max: 5 }),
      },
      { requiredKeys: ["since"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), window, async (failed, body) => {
        for (let i = 0; i < failed; i += 1) {
          const eventId = newId("evt"); // one delivery per event and destination
          await harness.db.query(
            `INSERT INTO events (id, connector_id, trigger, data, occurred_at) VALUES ($1, $2, 'a.b', '{}', now())`,
            [eventId, connectorId],
          );
          await harness.db.query(
            `INSERT INTO deliveries (id, event_id, destination_id, connector_id, status, attempt_count, finished_at)
             VALUES ($1, $2, $3, $4, 'failed', 1, now())`,
            [newId("dlv"), eventId, webhookId, connectorId],
          );
        }
        const before = await pendingCount();
        const response = await post(`/v1/webhooks/${webhookId}/recover`, body);
        expectAnswered(response, [202]);
        const { requeuedFailed, requeuedParked, created } = response.json().result;
        const requeued = requeuedFailed + requeuedParked + created;
        expect(requeued).toBeLessThanOrEqual(body.limit ?? 1000);
        expect(await pendingCount()).toBe(before + requeued);
      }),
      { numRuns: 30 },
    );
  });

  it("redeliver leaves one pending delivery per named (or matching) destination", async () => {
    await harness.call({ method: "POST", url: `/v1/webhooks/${webhookId}/enable` });
    const eventId = newId("evt");
    await harness.db.query(
      `INSERT INTO events (id, connector_id, trigger, data, occurred_at) VALUES ($1, $2, 'a.b', '{}', now())`,
      [eventId, connectorId],
    );
    const unknown = "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W";
    const body = fc.option(
      fc.record({ destinationIds: fc.uniqueArray(fc.constantFrom(webhookId, unknown), { minLength: 1 }) }),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (payload, finishedBefore) => {
        if (finishedBefore) {
          await harness.db.query(
            "UPDATE deliveries SET status = 'failed', finished_at = now() WHERE event_id = $1",
            [eventId],
          );
        }
        const response = await harness.call({
          method: "POST",
          url: `/v1/events/${eventId}/redeliver`,
          ...(payload && { payload }),
        });
        const named = payload?.destinationIds ?? [webhookId];
        expectAnswered(response, named.includes(unknown) ? [404] : finishedBefore ? [202] : [202, 409]);
        if (response.statusCode === 404) return;
        const { rows } = await harness.db.query(
          "SELECT id, destination_id, status FROM deliveries WHERE event_id = $1",
          [eventId],
        );
        expect(rows.map(({ id: _id, ...row }) => row)).toEqual([
          { destination_id: webhookId, status: "pending" },
        ]);
        // A finished delivery is queued again (the first redeliver creates it); a pending one is left
        // as it is, and with nothing else to queue that is a 409 naming it.
        if (response.statusCode === 409) {
          expect(response.json().error.code).toBe("error.hub.deliveriesStillPending");
          expect(response.json().error.message).toContain(rows[0]?.id);
        } else {
          expect(response.json().result).toEqual({ deliveryIds: rows.map((row) => row.id), skipped: [] });
        }
      }),
      { numRuns: 20 },
    );
  });
});
