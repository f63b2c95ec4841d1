import { createLogger, openHealingSubscription, type HealingSubscription } from "@event-hub/shared";
import type { Message, PubSub } from "@google-cloud/pubsub";
import { afterAll, describe, expect, it } from "vitest";
import { createEventTopic, createTestPubSub, publishTestEvent } from "../../test/event-topic.ts";
import { consumerStreamOptions } from "./consumer-flow-control.ts";

// CONSUMER_MAX_BYTES against the emulator and the real client: a stream opened with the
// dispatcher's options hands over no more message data than the bound while nothing is acked.
describe("consumer flow control by bytes", () => {
  const logger = createLogger({ service: "flow-control-test", level: "silent" });
  let pubsub: PubSub;
  let subscription: HealingSubscription | undefined;

  afterAll(async () => {
    await subscription?.close();
    await pubsub?.close();
  });

  it("holds back messages beyond maxBytes until those in hand are acked, and loses none", async () => {
    pubsub = createTestPubSub();
    const { topic, subscriptionName } = await createEventTopic(pubsub);
    const maxBytes = 4096;
    const inHand: Message[] = [];
    const received = new Set<string>();
    subscription = openHealingSubscription(
      pubsub,
      {
        name: subscriptionName,
        // maxMessages far above what the bytes allow: only the bytes can hold the stream back.
        streamOptions: consumerStreamOptions({ maxMessages: 1000, maxBytes }),
        onMessage: (message) => {
          inHand.push(message);
          received.add(message.id);
        },
        watchdogMs: 60_000,
      },
      logger,
    );
    const blob = "x".repeat(1000); // ~1 KiB of data per message: 20 of them are ~5 × maxBytes
    const published = 20;
    for (let i = 0; i < published; i++) {
      await publishTestEvent(topic, {
        connectorId: `flow-${i}`,
        trigger: "transport.messageReceived",
        data: { blob },
      });
    }

    await expect.poll(() => inHand.length, { timeout: 20_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // time to hand over more, if it would
    const bytesBeforeLast = inHand.slice(0, -1).reduce((sum, message) => sum + message.length, 0);
    expect(bytesBeforeLast, "data in hand before the message that crossed the bound").toBeLessThan(maxBytes);
    expect(inHand.length).toBeLessThan(published);

    // Acking what is in hand frees the stream: every message arrives in the end.
    const ackInHand = () => inHand.splice(0).forEach((message) => message.ack());
    await expect
      .poll(
        () => {
          ackInHand();
          return received.size;
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(published);
    ackInHand();
  });
});
