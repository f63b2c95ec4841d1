import { disableDestination, newId, storeEventsWithDeliveries, withTransaction } from "@event-hub/shared";
import type { HubEvent } from "@event-hub/shared";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

/**
 * Recovery after a receiver answered 410 (issue 13, "recovery is one call"): the dispatcher disabled
 * the destination and parked what waited, and events that arrived meanwhile got no delivery. One
 * recover and one enable leave every event it takes with exactly one delivery, due now — and a key
 * limited to another Connector can do neither.
 */
describe("recovering a destination disabled by a 410", () => {
  let harness: TestHarness;
  const a = uniqueName("recover-a");
  const b = uniqueName("recover-b");
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    harness = await buildTestApp();
    keyA = (await harness.keyFor([a], "**")).key;
    keyB = (await harness.keyFor([b], "**")).key;
  });

  afterAll(async () => harness?.close());

  const eventOf = (trigger: string, connectorId = a): HubEvent => ({
    id: newId("evt"),
    connectorId,
    trigger,
    data: {},
    time: new Date().toISOString(),
  });

  /** A destination of A that had 3 deliveries parked by a 410, then missed 4 events while disabled. */
  async function disabledWithBacklog(ordered: boolean) {
    const created = await harness.call({
      method: "POST",
      url: "/v1/webhooks",
      payload: { url: "https://example.com", triggers: ["transport.*"], connectorIds: [a], ordered },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().result.id as string;
    const parked = [eventOf("transport.messageReceived"), eventOf("transport.messageSent")];
    const failed = eventOf("transport.messageReceived");
    const store = (events: HubEvent[], withDeliveries: boolean) =>
      withTransaction(harness.db, (client) =>
        storeEventsWithDeliveries(
          client,
          events,
          withDeliveries ? events.map((e) => ({ eventId: e.id, destinationId: id, connectorId: a })) : [],
        ),
      );
    await store([failed], true);
    await harness.db.query(`UPDATE deliveries SET status = 'failed' WHERE event_id = $1`, [failed.id]);
    await store(parked, true);
    await withTransaction(harness.db, (client) => disableDestination(client, id, "receiver answered 410"));
    const missed = [eventOf("transport.relationshipChanged"), eventOf("transport.messageReceived")];
    await store([missed[0] as HubEvent, eventOf("tokens.created"), eventOf("transport.x", b)], false);
    await store([missed[1] as HubEvent], false);
    return { id, inOrder: [failed, ...parked, ...missed].map((e) => e.id) };
  }

  const deliveriesOf = async (id: string) =>
    (
      await harness.db.query<{ event_id: string; status: string; due: boolean }>(
        `SELECT event_id, status, next_attempt_at <= now() AS due FROM deliveries
          WHERE destination_id = $1 ORDER BY seq`,
        [id],
      )
    ).rows;
  const post = (url: string, key: string, payload?: object) =>
    harness.call({ method: "POST", url, key, ...(payload === undefined ? {} : { payload }) });

  it("recover then enable: every event once, due, in event order, and the answer counts each kind", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const { id, inOrder } = await disabledWithBacklog(true);

    for (const action of ["recover", "enable"]) {
      const denied = await post(
        `/v1/webhooks/${id}/${action}`,
        keyB,
        action === "recover" ? { since } : undefined,
      );
      expect(denied.statusCode, denied.body).toBe(404);
      expect(denied.json().error.code).toBe("error.hub.webhookNotFound");
    }
    expect((await deliveriesOf(id)).map((d) => d.status)).toStrictEqual(["failed", "parked", "parked"]);

    const recovered = await post(`/v1/webhooks/${id}/recover`, keyA, { since });
    expect(recovered.statusCode, recovered.body).toBe(202);
    expect(recovered.json().result).toStrictEqual({
      requeuedFailed: 1,
      requeuedParked: 2,
      created: 2,
      limitReached: false,
    });
    const enabled = await post(`/v1/webhooks/${id}/enable`, keyA);
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json().result).toMatchObject({ id, enabled: true, unparkedDeliveries: 0 });

    const rows = await deliveriesOf(id);
    expect(rows.map((d) => d.event_id)).toStrictEqual(inOrder);
    expect(rows.every((d) => d.status === "pending" && d.due)).toBe(true);
  });

  it("enable then recover: enable un-parks, recover re-queues the failed one and creates the rest", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const { id, inOrder } = await disabledWithBacklog(false);
    const enabled = await post(`/v1/webhooks/${id}/enable`, keyA);
    expect(enabled.json().result).toMatchObject({ enabled: true, unparkedDeliveries: 2 });
    const recovered = await post(`/v1/webhooks/${id}/recover`, keyA, { since, limit: 2 });
    expect(recovered.json().result).toStrictEqual({
      requeuedFailed: 1,
      requeuedParked: 0,
      created: 1,
      limitReached: true,
    });
    const rest = await post(`/v1/webhooks/${id}/recover`, keyA, { since });
    expect(rest.json().result).toMatchObject({ requeuedFailed: 0, requeuedParked: 0, created: 1 });

    const rows = await deliveriesOf(id);
    expect(rows.map((d) => d.event_id).sort()).toStrictEqual([...inOrder].sort());
    expect(rows.every((d) => d.status === "pending" && d.due)).toBe(true);
  });
});
