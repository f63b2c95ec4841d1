import { encodeEvent, newId } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { emulatorPubSub } from "../../test/harness.ts";
import { subscribeToPublishedEvents, type PublishedEvent } from "../../test/published-events.ts";
import { createEventPublisher } from "./event-publisher.ts";

// Many Connectors' events share Publish RPCs (publish-batcher.ts): each Connector's order must survive it.
describe("createEventPublisher against the emulator", () => {
  const names = { topic: uniqueName("events"), subscription: uniqueName("sub") };
  let pubsub: PubSub;
  const received: PublishedEvent[] = [];
  let subscription: { close(): Promise<void> };

  beforeAll(async () => {
    pubsub = emulatorPubSub();
    subscription = await subscribeToPublishedEvents(pubsub, names, (published) => received.push(published));
  });

  afterAll(async () => {
    await subscription.close();
    await pubsub.close();
  });

  it("delivers each Connector's events in the order they were published, many Connectors at once", async () => {
    const connectors = Array.from({ length: 8 }, () => uniqueName("con"));
    const perConnector = 40;
    const sent = new Map(connectors.map((id) => [id, [] as string[]]));
    const publisher = createEventPublisher(pubsub, names.topic, {
      // Small batches and several RPCs in flight: the interleavings ordering must survive.
      batching: { maxMessages: 7, maxBytes: 1024 * 1024, maxMilliseconds: 1, maxOutstanding: 4 },
    });
    const acks: Array<Promise<string>> = [];
    for (let n = 0; n < perConnector; n++) {
      for (const connectorId of connectors) {
        const id = newId("evt");
        const encoded = encodeEvent({
          id,
          trigger: "transport.messageReceived",
          data: { n },
          connectorId,
          time: new Date().toISOString(),
        });
        if (!encoded.ok) throw new Error(encoded.reason);
        sent.get(connectorId)?.push(id);
        acks.push(publisher.publish(encoded.message, 10_000));
      }
    }
    const messageIds = await Promise.all(acks);
    expect(new Set(messageIds).size).toBe(acks.length);

    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(acks.length);
    for (const connectorId of connectors) {
      const arrived = received.filter((r) => r.orderingKey === connectorId).map((r) => r.event.id);
      // First arrivals only: a redelivery repeats an event, never reorders the first ones.
      expect([...new Set(arrived)]).toStrictEqual(sent.get(connectorId));
    }
  });
});
