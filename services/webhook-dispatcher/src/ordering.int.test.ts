import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertDestination,
  openTestDatabase,
  startHookReceiver,
  startTestDispatcher,
  type HookReceiver,
  type TestDispatcher,
} from "../test/harness.ts";

// Ordered destinations: each Connector's events go one at a time in event order; a failing head
// holds only its own lane.
describe("ordered destination", () => {
  let db: Pool;
  let dispatcher: TestDispatcher;
  let receiver: HookReceiver;

  beforeAll(async () => {
    db = await openTestDatabase();
    dispatcher = await startTestDispatcher(db, { breaker: { failureThreshold: 1000 } });
    receiver = await startHookReceiver();
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
    await db?.end();
  });

  it("delivers 200 events of one Connector in order despite random failures, other lanes alongside", async () => {
    let seed = 42; // deterministic "random" failures: about one request in four fails
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
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
      publishes.push(dispatcher.publish(event).then((id) => void published[connectorId]!.push(id)));
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
