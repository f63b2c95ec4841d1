import type { Pool } from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHookReceivers,
  insertDestination,
  openTestDatabase,
  startTestDispatcher,
  type HookReceiver,
  type TestDispatcher,
} from "../../../test/harness.ts";
import { waitForCondition } from "../../../test/wait-for-condition.ts";

type Batch = { messages: Array<{ id: string }>; relationships: Array<{ id: string }> };

// Batch destinations (the Connector's deprecated webhooks v1): one POST of
// {messages, relationships} per interval, through the real pipeline to a local receiver.
describe("batch destination", () => {
  let db: Pool;
  let dispatcher: TestDispatcher;
  const receivers = createHookReceivers();
  const receiver = receivers.start;
  const batchesOf = (hooks: HookReceiver, status = 200) =>
    hooks.received.filter((r) => r.status === status).map((r) => JSON.parse(r.body) as Batch);
  const deliveries = async (destinationId: string) =>
    (
      await db.query<{
        id: string;
        trigger: string;
        status: string;
        attempts: string[];
        last_error: string | null;
      }>(
        `SELECT d.id, e.trigger, d.status, d.last_error,
                coalesce(array_agg(a.outcome ORDER BY a.attempt_number) FILTER (WHERE a.id IS NOT NULL), '{}') AS attempts
           FROM deliveries d JOIN events e ON e.id = d.event_id
           LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
          WHERE d.destination_id = $1 GROUP BY d.id, e.trigger ORDER BY d.seq`,
        [destinationId],
      )
    ).rows;

  beforeAll(async () => {
    db = await openTestDatabase();
    dispatcher = await startTestDispatcher(db);
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await receivers.closeAll();
    await db?.end();
  });

  it("POSTs messages and relationships in batches, parks other triggers, and skips empty intervals", async () => {
    const hooks = await receiver();
    const connectorId = "batch-connector";
    const secret = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;
    const destinationId = await insertDestination(db, {
      type: "batch",
      config: { url: `${hooks.url}/v1`, headers: { "x-static": "yes" }, publishIntervalSeconds: 1 },
      connectorIds: [connectorId],
      signingSecrets: [secret],
    });
    const publish = (trigger: string, id: string) =>
      dispatcher.publish({ connectorId, trigger, data: { id } });
    await publish("transport.messageReceived", "MSG1");
    await publish("transport.relationshipChanged", "REL1");
    await publish("consumption.attributeCreated", "ATT1");
    await publish("transport.messageReceived", "MSG2");
    await publish("transport.relationshipChanged", "REL2");
    await publish("transport.messageReceived", "MSG3");

    const all = () => batchesOf(hooks).flatMap((b) => [...b.messages, ...b.relationships]);
    await hooks.waitUntil(() => all().length >= 5);
    // The receiver answers before the attempt is recorded.
    await waitForCondition(async () =>
      (await deliveries(destinationId)).every((r) => r.status !== "pending"),
    );
    const batches = batchesOf(hooks);
    expect(batches.flatMap((b) => b.messages.map((m) => m.id))).toStrictEqual(["MSG1", "MSG2", "MSG3"]);
    expect(batches.flatMap((b) => b.relationships.map((r) => r.id))).toStrictEqual(["REL1", "REL2"]);
    for (const request of hooks.received) {
      expect(request.url).toBe("/v1");
      expect(request.headers["x-static"]).toBe("yes");
      expect(request.headers["content-type"]).toBe("application/json");
      new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    }
    const rows = await deliveries(destinationId);
    expect(
      rows.filter((r) => r.trigger !== "consumption.attributeCreated").map((r) => [r.status, r.attempts]),
    ).toStrictEqual(Array(5).fill(["delivered", ["success"]]));
    expect(rows.find((r) => r.trigger === "consumption.attributeCreated")).toMatchObject({
      status: "parked",
      attempts: [],
      last_error:
        "batch destinations carry only transport.messageReceived and transport.relationshipChanged events",
    });

    // Nothing due: two more intervals pass without a POST.
    const posts = hooks.received.length;
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(hooks.received).toHaveLength(posts);
  });

  it("keeps every delivery of a failed batch and sends them again in a later batch", async () => {
    const hooks = await receiver();
    let calls = 0;
    hooks.answer(() => ({ status: ++calls === 1 ? 503 : 200 }));
    const connectorId = "batch-retry";
    const destinationId = await insertDestination(db, {
      type: "batch",
      config: { url: hooks.url, publishIntervalSeconds: 1 },
      connectorIds: [connectorId],
      retryScheduleSeconds: [1, 1, 1],
    });
    // Hold the first batch (its interval "started" in the future) until all three are stored, so
    // the first batch holds all of them.
    await db.query(
      `INSERT INTO destination_health (destination_id, batch_started_at) VALUES ($1, now() + interval '1 hour')`,
      [destinationId],
    );
    for (const id of ["MSG1", "MSG2", "MSG3"])
      await dispatcher.publish({ connectorId, trigger: "transport.messageReceived", data: { id } });
    await waitForCondition(async () => (await deliveries(destinationId)).length === 3);
    await db.query(`UPDATE destination_health SET batch_started_at = NULL WHERE destination_id = $1`, [
      destinationId,
    ]);
    await hooks.waitUntil((r) => r.some((x) => x.status === 200));
    await waitForCondition(async () =>
      (await deliveries(destinationId)).every((r) => r.status !== "pending"),
    );

    const ids = (status: number) => batchesOf(hooks, status).flatMap((b) => b.messages.map((m) => m.id));
    expect(ids(503)).toStrictEqual(["MSG1", "MSG2", "MSG3"]);
    expect(ids(200)).toStrictEqual(["MSG1", "MSG2", "MSG3"]);
    const rows = await deliveries(destinationId);
    expect(rows.map((r) => [r.status, r.attempts])).toStrictEqual(
      Array(3).fill(["delivered", ["http_error", "success"]]),
    );
    // One POST is one failure for the breaker, however many deliveries it carried.
    const [health] = (
      await db.query<{ consecutive_failures: number }>(
        `SELECT consecutive_failures FROM destination_health WHERE destination_id = $1`,
        [destinationId],
      )
    ).rows;
    expect(health?.consecutive_failures).toBe(0);
  });
});
