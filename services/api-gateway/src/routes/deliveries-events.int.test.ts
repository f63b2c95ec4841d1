import { newId } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

describe("/v1/deliveries and /v1/events", () => {
  let harness: TestHarness;
  const connectorId = uniqueName("con");
  const eventId = newId("evt");
  const deliveryId = newId("dlv");
  let destinationId: string;

  beforeAll(async () => {
    harness = await buildTestApp();
    destinationId = await harness.webhookFor("transport.*");
    await harness.db.query(
      `INSERT INTO events (id, connector_id, trigger, data, correlation_id, occurred_at)
       VALUES ($1, $2, 'transport.messageReceived', '{"a": 1}', 'corr-x', now())`,
      [eventId, connectorId],
    );
    await harness.db.query(
      `INSERT INTO deliveries (id, event_id, destination_id, connector_id, status, attempt_count, last_error, finished_at)
       VALUES ($1, $2, $3, $4, 'failed', 1, 'HTTP 500', now())`,
      [deliveryId, eventId, destinationId, connectorId],
    );
    await harness.db.query(
      `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, duration_ms, outcome, status_code)
       VALUES ($1, $2, 1, now(), 12, 'failed', 500)`,
      [newId("att"), deliveryId],
    );
  });
  afterAll(() => harness.close());

  it("lists deliveries by filters and reads one with its attempts", async () => {
    const page = await harness.call({ url: `/v1/deliveries?connectorId=${connectorId}&status=failed` });
    expect(page.json().result).toEqual([
      expect.objectContaining({ id: deliveryId, status: "failed", attemptCount: 1 }),
    ]);
    expect(
      (await harness.call({ url: `/v1/deliveries?connectorId=${connectorId}&status=delivered` })).json()
        .result,
    ).toEqual([]);
    const one = (await harness.call({ url: `/v1/deliveries/${deliveryId}` })).json().result;
    expect(one.attempts).toEqual([
      expect.objectContaining({ attemptNumber: 1, statusCode: 500, outcome: "failed" }),
    ]);
  });

  it("shows nextAttemptAt only while a delivery is pending, not the lease end a finished one keeps", async () => {
    const ownConnector = uniqueName("con");
    const leaseEnd = new Date(Date.now() + 60_000);
    const event = newId("evt");
    await harness.db.query(
      `INSERT INTO events (id, connector_id, trigger, data, occurred_at) VALUES ($1, $2, 'transport.x', '{}', now())`,
      [event, ownConnector],
    );
    for (const status of ["pending", "delivered", "failed", "parked"]) {
      const id = newId("dlv");
      const destination = await harness.webhookFor("transport.*");
      await harness.db.query(
        `INSERT INTO deliveries (id, event_id, destination_id, connector_id, status, next_attempt_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5 = 'pending' THEN NULL ELSE now() END)`,
        [id, event, destination, ownConnector, status, leaseEnd],
      );
      const expected = status === "pending" ? leaseEnd.toISOString() : null;
      expect((await harness.call({ url: `/v1/deliveries/${id}` })).json().result.nextAttemptAt, status).toBe(
        expected,
      );
      const listed = (await harness.call({ url: `/v1/deliveries?eventId=${event}&status=${status}` })).json();
      expect(
        listed.result.map((d: { nextAttemptAt: unknown }) => d.nextAttemptAt),
        status,
      ).toEqual([expected]);
    }
  });

  it("lists events by trigger pattern, Connector, correlation id and time, and reads one with its deliveries", async () => {
    const query = (q: string) => harness.call({ url: `/v1/events?connectorId=${connectorId}&${q}` });
    expect((await query("trigger=transport.*")).json().result.map((e: { id: string }) => e.id)).toEqual([
      eventId,
    ]);
    expect((await query("trigger=**.messageReceived")).json().result).toHaveLength(1);
    expect((await query("trigger=consumption.**")).json().result).toHaveLength(0);
    expect((await query("correlationId=corr-x")).json().result).toHaveLength(1);
    expect((await query(`since=${new Date(Date.now() + 60_000).toISOString()}`)).json().result).toHaveLength(
      0,
    );
    const one = (await harness.call({ url: `/v1/events/${eventId}` })).json().result;
    expect(one).toMatchObject({ data: { a: 1 }, deliveries: [expect.objectContaining({ id: deliveryId })] });
  });

  it("resends a failed delivery (due now, whole schedule again) but not a pending one", async () => {
    const response = await harness.call({ method: "POST", url: `/v1/deliveries/${deliveryId}/resend` });
    expect(response.statusCode).toBe(202);
    const { rows } = await harness.db.query(
      "SELECT status, schedule_offset, finished_at FROM deliveries WHERE id = $1",
      [deliveryId],
    );
    expect(rows[0]).toEqual({ status: "pending", schedule_offset: 1, finished_at: null });
    const again = await harness.call({ method: "POST", url: `/v1/deliveries/${deliveryId}/resend` });
    expect(again.statusCode).toBe(409);
  });

  it("redelivers an event to the destinations that match it now", async () => {
    await harness.db.query("UPDATE deliveries SET status = 'delivered' WHERE id = $1", [deliveryId]);
    const response = await harness.call({ method: "POST", url: `/v1/events/${eventId}/redeliver` });
    expect(response.statusCode).toBe(202);
    expect(response.json().result.deliveryIds).toContain(deliveryId);
  });

  it("redeliver names the pending deliveries it left alone, and answers 409 when every one is pending", async () => {
    const ownConnector = uniqueName("con");
    const event = newId("evt");
    await harness.db.query(
      `INSERT INTO events (id, connector_id, trigger, data, occurred_at) VALUES ($1, $2, 'a.b', '{}', now())`,
      [event, ownConnector],
    );
    const [pendingTo, deliveredTo] = [await harness.webhookFor("a.b"), await harness.webhookFor("a.b")];
    const [pending, delivered] = [newId("dlv"), newId("dlv")];
    await harness.db.query(
      `INSERT INTO deliveries (id, event_id, destination_id, connector_id, status, finished_at)
       VALUES ($1, $3, $4, $6, 'pending', NULL), ($2, $3, $5, $6, 'delivered', now())`,
      [pending, delivered, event, pendingTo, deliveredTo, ownConnector],
    );
    const redeliver = () =>
      harness.call({
        method: "POST",
        url: `/v1/events/${event}/redeliver`,
        payload: { destinationIds: [pendingTo, deliveredTo] },
      });

    const first = await redeliver();
    expect(first.statusCode).toBe(202);
    expect(first.json().result).toEqual({
      deliveryIds: [delivered],
      skipped: [{ deliveryId: pending, destinationId: pendingTo, reason: "still_pending" }],
    });

    const second = await redeliver(); // both pending now
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe("error.hub.deliveriesStillPending");
    expect(second.json().error.message).toContain(pending);
    expect(second.json().error.message).toContain(delivered);
  });

  it("says why a pending delivery waits: a scheduled retry, an open breaker, its lane, or nothing", async () => {
    const ordered = (
      await harness.call({
        method: "POST",
        url: "/v1/webhooks",
        payload: { url: "https://example.com/ordered", triggers: ["**"], ordered: true },
      })
    ).json().result.id as string;
    const pending = async (nextAttempt: string) => {
      const event = newId("evt");
      const delivery = newId("dlv");
      await harness.db.query(
        `INSERT INTO events (id, connector_id, trigger, data, occurred_at)
         VALUES ($1, $2, 'transport.messageReceived', '{}', now())`,
        [event, connectorId],
      );
      await harness.db.query(
        `INSERT INTO deliveries (id, event_id, destination_id, connector_id, next_attempt_at)
         VALUES ($1, $2, $3, $4, ${nextAttempt})`,
        [delivery, event, ordered, connectorId],
      );
      return delivery;
    };
    const waiting = async (id: string) =>
      (await harness.call({ url: `/v1/deliveries/${id}` })).json().result.waiting as {
        reason: string;
        until?: string;
        detail: string;
      } | null;

    const head = await pending("now() + interval '10 minutes'");
    expect(await waiting(head)).toMatchObject({ reason: "retry_scheduled", until: expect.any(String) });
    const second = await pending("now()");
    expect(await waiting(second)).toMatchObject({
      reason: "ordered_behind",
      detail: expect.stringContaining(head),
    });

    await harness.db.query("UPDATE deliveries SET next_attempt_at = now() WHERE id = $1", [head]);
    expect((await waiting(head))?.reason).toBe("queued");
    await harness.db.query(
      `INSERT INTO destination_health (destination_id, consecutive_failures, breaker_open_until)
       VALUES ($1, 5, now() + interval '1 minute')`,
      [ordered],
    );
    expect(await waiting(head)).toMatchObject({ reason: "circuit_open", until: expect.any(String) });
    await harness.db.query("UPDATE deliveries SET status = 'delivered', finished_at = now() WHERE id = $1", [
      head,
    ]);
    expect(await waiting(head)).toBeNull();
  });

  it.each([
    ["/v1/deliveries?status=lost", "status"],
    ["/v1/deliveries?since=yesterday", "since"],
    ["/v1/deliveries?cursor=abc", "cursor"],
    ["/v1/events?trigger=a..b", "trigger"],
    ["/v1/events?limit=201", "limit"],
    ["/v1/deliveries/nope", "id"],
    ["/v1/events/nope", "id"],
  ])("answers 400 naming the field for %s", async (url, field) => {
    const response = await harness.call({ url });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
  });

  it("answers 404 for unknown deliveries and events", async () => {
    for (const [method, url] of [
      ["GET", `/v1/deliveries/${newId("dlv")}`],
      ["POST", `/v1/deliveries/${newId("dlv")}/resend`],
      ["GET", `/v1/events/${newId("evt")}`],
      ["POST", `/v1/events/${newId("evt")}/redeliver`],
    ] as const) {
      expect((await harness.call({ method, url })).statusCode, url).toBe(404);
    }
  });
});
