import type { Pool } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  insertDestination,
  openTestDatabase,
  startHookReceiver,
  startTestDispatcher,
  type HookReceiver,
  type TestDispatcher,
} from "../../test/harness.ts";

// Ordered destinations: each Connector's events go one at a time in event order; a failing head
// holds only its own lane.
describe("ordered destination", () => {
  let db: Pool;
  let dispatcher: TestDispatcher | undefined;
  let receiver: HookReceiver;

  beforeAll(async () => {
    db = await openTestDatabase();
    receiver = await startHookReceiver();
  });

  afterEach(async () => {
    await dispatcher?.stop();
    dispatcher = undefined;
    receiver.received.length = 0;
  });

  afterAll(async () => {
    await receiver?.close();
    await db?.end();
  });

  /** A deterministic "random" draw in [0, 1). */
  const randomFrom = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

  it("delivers 200 events of ONE Connector in order despite random failures, with the default breaker", async () => {
    // Breaker as the service's defaults (the harness shortens the cool-down): about one request in
    // four fails, and requests 31-36 fail in a row; the lane holds through every retry.
    const running = await startTestDispatcher(db);
    dispatcher = running;
    const random = randomFrom(7);
    let requests = 0;
    receiver.answer(() => {
      requests += 1;
      const fails = (requests > 30 && requests <= 36) || random() < 0.25;
      return { status: fails ? 500 : 200, delayMs: 2 };
    });
    await insertDestination(db, {
      config: { url: receiver.url },
      connectorIds: ["single-lane"],
      ordered: true,
      retryScheduleSeconds: Array.from({ length: 60 }, () => 0),
    });
    // Publish calls of one ordering key are sequenced by the client, in call order.
    const published = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        running.publish({ connectorId: "single-lane", trigger: "transport.messageReceived", data: { i } }),
      ),
    );
    const ok = (r: { status: number }) => r.status === 200;
    await receiver.waitUntil((r) => r.filter(ok).length >= 200, 90_000);

    const delivered = receiver.received.filter(ok).map((r) => String(r.headers["webhook-id"]));
    expect(delivered).toStrictEqual(published);
    const statuses = receiver.received.map((r) => r.status);
    expect(statuses.slice(30, 36)).toStrictEqual([500, 500, 500, 500, 500, 500]);
    // One lane: never two requests at once, through failures, breaker and probe.
    expect(receiver.maxConcurrent()).toBe(1);
    console.log(
      `ordering: 200 events of one Connector in order after ${statuses.filter((s) => s === 500).length} failed requests`,
    );
  });

  it("delivers 200 events over two Connectors in order per Connector despite random failures", async () => {
    const running = await startTestDispatcher(db, { breaker: { minRequests: 1_000_000 } });
    dispatcher = running;
    const random = randomFrom(42); // about one request in four fails
    receiver.answer(() => ({ status: random() < 0.25 ? 500 : 200, delayMs: 2 }));
    await insertDestination(db, {
      config: { url: receiver.url },
      connectorIds: ["lane-a", "lane-b"],
      ordered: true,
      retryScheduleSeconds: Array.from({ length: 40 }, () => 0),
    });

    const published: Record<string, string[]> = { "lane-a": [], "lane-b": [] };
    const publishes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const connectorId = i % 4 === 3 ? "lane-b" : "lane-a";
      const event = { connectorId, trigger: "transport.messageReceived", data: { i } };
      // Publish calls of one ordering key are sequenced by the client, in call order.
      publishes.push(running.publish(event).then((id) => void published[connectorId]!.push(id)));
    }
    await Promise.all(publishes);
    const ok = (r: { status: number }) => r.status === 200;
    await receiver.waitUntil((r) => r.filter(ok).length >= 200, 60_000);

    const deliveredIn = (connectorId: string) =>
      receiver.received
        .filter((r) => ok(r) && JSON.parse(r.body).data !== undefined)
        .map((r) => ({ id: String(r.headers["webhook-id"]), i: JSON.parse(r.body).data.i as number }))
        .filter(({ i }) => (i % 4 === 3 ? "lane-b" : "lane-a") === connectorId);
    const laneA = deliveredIn("lane-a");
    const laneB = deliveredIn("lane-b");
    expect(laneA.map((d) => d.i)).toStrictEqual([...laneA.map((d) => d.i)].sort((x, y) => x - y));
    expect(laneB.map((d) => d.i)).toStrictEqual([...laneB.map((d) => d.i)].sort((x, y) => x - y));
    expect(laneA).toHaveLength(150);
    expect(laneB).toHaveLength(50);
    expect(receiver.received.some((r) => r.status === 500)).toBe(true);
    // One at a time per lane: never more than the two lanes open at once.
    expect(receiver.maxConcurrent()).toBeLessThanOrEqual(2);
    console.log(
      `ordering: 200 events in order over 2 lanes after ${receiver.received.filter((r) => r.status === 500).length} failed requests`,
    );
  });
});
