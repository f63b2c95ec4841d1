import { createLogger, ensureSubscription, ensureTopic } from "@event-hub/shared";
import type { Message, PubSub, Subscription } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { createTestPubSub } from "../test/event-topic.ts";
import {
  createHookReceivers,
  insertBacklog,
  insertDestination,
  openTestDatabase,
  startTestDispatcher,
  type TestDispatcher,
} from "../test/harness.ts";
import { createOperatorEvents, type OperatorEvents } from "./operator-events.ts";

// The real hub-operations publisher against the emulator: what an operator's subscriber pulls.
describe("operator events on the operations topic", () => {
  let db: Pool;
  let pubsub: PubSub;
  let subscription: Subscription;
  let operations: OperatorEvents;
  let dispatcher: TestDispatcher | undefined;
  const receivers = createHookReceivers();
  const pulled: Message[] = [];
  const logs: { message: string; severity: string; operatorEvent?: unknown }[] = [];

  beforeAll(async () => {
    db = await openTestDatabase();
    pubsub = createTestPubSub();
    const topicName = uniqueName("hub-operations");
    await ensureTopic(pubsub, topicName);
    subscription = await ensureSubscription(pubsub, topicName, uniqueName("operator"));
    subscription.on("message", (message: Message) => {
      pulled.push(message);
      message.ack();
    });
    const logger = createLogger(
      { service: "operator-events-test", level: "info" },
      { write: (line: string) => void logs.push(JSON.parse(line)) },
    );
    operations = createOperatorEvents(pubsub, topicName, logger);
  });

  afterAll(async () => {
    await dispatcher?.stop();
    await receivers.closeAll();
    await subscription?.close();
    await pubsub?.close();
    await db?.end();
  });

  it("publishes the event as JSON with a type attribute, and logs it", async () => {
    const event = {
      type: "destination.disabled" as const,
      destinationId: "whk_direct",
      reason: "failing continuously",
      time: "2026-11-24T12:00:00.000Z",
    };
    await operations.publish(event);
    await expect.poll(() => pulled.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const [message] = pulled;
    expect(JSON.parse(message!.data.toString("utf8"))).toStrictEqual(event);
    expect(message!.attributes).toStrictEqual({ type: "destination.disabled" });
    expect(logs).toContainEqual(
      expect.objectContaining({
        message: "operator event destination.disabled",
        severity: "WARNING",
        operatorEvent: event,
      }),
    );
  });

  it("is published when a 410 disables a destination, whose waiting deliveries are all parked", async () => {
    dispatcher = await startTestDispatcher(db, { operations });
    const gone = await receivers.start();
    gone.answer(() => ({ status: 410 }));
    const destinationId = await insertDestination(db, {
      config: { url: gone.url },
      connectorIds: ["gone"],
    });
    // Five deliveries waiting for a retry an hour away, then one new event that meets the 410.
    await insertBacklog(db, destinationId, 5, "gone");
    await db.query(
      "UPDATE deliveries SET attempt_count = 1, next_attempt_at = now() + interval '1 hour' WHERE destination_id = $1",
      [destinationId],
    );
    await dispatcher.publish({ connectorId: "gone", trigger: "transport.messageReceived" });

    const disabledEvents = () =>
      pulled
        .map((message) => ({
          body: JSON.parse(message.data.toString("utf8")) as Record<string, unknown>,
          attributes: message.attributes,
        }))
        .filter(({ body }) => body.destinationId === destinationId);
    await expect.poll(() => disabledEvents().length, { timeout: 20_000 }).toBe(1);
    const [{ body, attributes }] = disabledEvents() as [
      { body: Record<string, unknown>; attributes: unknown },
    ];
    expect(attributes).toStrictEqual({ type: "destination.disabled" });
    expect(body).toStrictEqual({
      type: "destination.disabled",
      destinationId,
      reason: "receiver answered 410 Gone",
      time: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(String(body.time)))).toBe(false);
    const deliveries = await db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM deliveries WHERE destination_id = $1 GROUP BY status",
      [destinationId],
    );
    expect(deliveries.rows).toStrictEqual([{ status: "parked", n: 6 }]);
    expect(gone.received).toHaveLength(1);
  });
});
