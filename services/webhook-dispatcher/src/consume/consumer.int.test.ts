import { createLogger, type HealingSubscription } from "@event-hub/shared";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEventTopic, createTestPubSub, publishTestEvent } from "../../test/event-topic.ts";
import { insertDestination, openTestDatabase } from "../../test/harness.ts";
import { startConsumer } from "./consumer.ts";

// The consumer's failure path against the emulator and Postgres: a trigger refuses chosen events
// (by a `marker` in their data) until the test lifts the refusal.
describe("consumer when storing fails", () => {
  let db: Pool;
  let pubsub: PubSub;
  let topic: Topic;
  let subscription: HealingSubscription | undefined;
  const logs: { message: string; eventId?: string; connectorId?: string; events?: number }[] = [];
  const logger = createLogger(
    { service: "consumer-test", level: "debug" },
    { write: (line: string) => void logs.push(JSON.parse(line)) },
  );
  const refuse = (marker: string) => db.query("INSERT INTO refused_markers VALUES ($1)", [marker]);
  const allow = (marker: string) => db.query("DELETE FROM refused_markers WHERE marker = $1", [marker]);
  const logged = (message: string, eventId: string) =>
    logs.filter((line) => line.message === message && line.eventId === eventId).length;

  beforeAll(async () => {
    db = await openTestDatabase();
    await db.query(`
      CREATE TABLE refused_markers (marker text PRIMARY KEY);
      CREATE FUNCTION refuse_marked_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM refused_markers WHERE marker = NEW.data::jsonb ->> 'marker') THEN
            RAISE EXCEPTION 'event % refused by the test', NEW.id;
          END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER refuse_marked_events BEFORE INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION refuse_marked_events();`);
    await insertDestination(db, { config: { url: "http://127.0.0.1:9/" } });
    pubsub = createTestPubSub();
  });

  afterEach(async () => {
    await subscription?.close();
    subscription = undefined;
  });

  afterAll(async () => {
    await db?.query("DROP TRIGGER IF EXISTS refuse_marked_events ON events");
    await pubsub?.close();
    await db?.end();
  });

  /** A topic of its own per test, and the consumer on it; `batchWaitMs` long enough to batch a burst. */
  const consume = async (batchWaitMs = 5) => {
    const created = await createEventTopic(pubsub);
    topic = created.topic;
    subscription = startConsumer(
      pubsub,
      { subscriptionName: created.subscriptionName, maxMessages: 100, batchWaitMs },
      { db, logger, onDeliveriesStored: () => {} },
    );
  };

  it("nacks and logs an event it cannot store, gets it again, and stores it once when storing works", async () => {
    await consume();
    await refuse("poison");
    const eventId = await publishTestEvent(topic, {
      connectorId: "refused",
      trigger: "transport.messageReceived",
      data: { marker: "poison" },
    });
    // Nacked at once, redelivered by the emulator, refused again: at least twice.
    await expect
      .poll(() => logged("storing the event failed; nacked for redelivery", eventId), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    expect((await db.query("SELECT 1 FROM events WHERE id = $1", [eventId])).rowCount).toBe(0);

    await allow("poison");
    await expect
      .poll(
        async () => (await db.query("SELECT 1 FROM deliveries WHERE event_id = $1", [eventId])).rowCount,
        {
          timeout: 20_000,
        },
      )
      .toBe(1);
    expect((await db.query("SELECT 1 FROM events WHERE id = $1", [eventId])).rowCount).toBe(1);
  });

  it("nacks the later events of a Connector whose event failed in a batch, so lane order holds", async () => {
    await consume(1000); // one burst, one batch
    await refuse("blocked");
    const publish = (connectorId: string, i: number, marker?: string) =>
      publishTestEvent(topic, {
        connectorId,
        trigger: "transport.messageReceived",
        data: marker ? { i, marker } : { i },
      });
    // Publish calls of one ordering key are sequenced by the client, in call order.
    const [x0, x1, x2, x3, y0, y1] = await Promise.all([
      publish("lane-x", 0),
      publish("lane-x", 1, "blocked"),
      publish("lane-x", 2),
      publish("lane-x", 3),
      publish("lane-y", 0),
      publish("lane-y", 1),
    ]);
    const laneOrder = async (connectorId: string) =>
      (
        await db.query<{ event_id: string }>(
          "SELECT event_id FROM deliveries WHERE connector_id = $1 ORDER BY seq",
          [connectorId],
        )
      ).rows.map((row) => row.event_id);

    // The other lane is stored while lane-x waits for its refused event.
    await expect.poll(() => laneOrder("lane-y"), { timeout: 20_000 }).toStrictEqual([y0, y1]);
    await expect
      .poll(() => logged("an earlier event of its Connector was not stored; nacked", x3!), {
        timeout: 20_000,
      })
      .toBeGreaterThanOrEqual(1);
    expect(logs.some((line) => line.message.startsWith("storing a batch failed") && line.events === 6)).toBe(
      true,
    );
    expect(await laneOrder("lane-x")).toStrictEqual([x0]);

    await allow("blocked");
    await expect.poll(() => laneOrder("lane-x"), { timeout: 20_000 }).toStrictEqual([x0, x1, x2, x3]);
  });
});
