import { randomUUID } from "node:crypto";
import type { Message, Subscription } from "@google-cloud/pubsub";
import { afterAll, describe, expect, it } from "vitest";
import { createPubSub } from "./client.ts";
import type { HubEvent } from "./event-codec.ts";
import { decodeEvent, encodeEvent } from "./event-codec.ts";
import { ensureSubscription, ensureTopic } from "./provision.ts";

const projectId = process.env.PUBSUB_PROJECT_ID;
const emulatorHost = process.env.PUBSUB_EMULATOR_HOST;
if (!projectId || !emulatorHost) throw new Error("PUBSUB_PROJECT_ID and PUBSUB_EMULATOR_HOST must be set");
const pubsub = createPubSub({ projectId, emulatorHost });
const opened: Subscription[] = [];

afterAll(async () => {
  await Promise.all(opened.map((subscription) => subscription.close()));
  await pubsub.close();
});

/** A fresh ordered topic + subscription; resolves with the first `count` messages received (acked). */
async function receive(count: number, publish: (topicName: string) => Promise<unknown>): Promise<Message[]> {
  const topicName = `codec-${randomUUID()}`;
  await ensureTopic(pubsub, topicName);
  await ensureSubscription(pubsub, topicName, `${topicName}-sub`, { enableMessageOrdering: true });
  const subscription = pubsub.subscription(`${topicName}-sub`);
  opened.push(subscription);
  const received = new Promise<Message[]>((resolve, reject) => {
    const messages: Message[] = [];
    subscription.on("error", reject);
    subscription.on("message", (message: Message) => {
      message.ack();
      messages.push(message);
      if (messages.length === count) resolve(messages);
    });
  });
  await publish(topicName);
  return received;
}

function encoded(event: HubEvent) {
  const result = encodeEvent(event);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const event: HubEvent = {
  id: "evt_01JZ8Q4D5X0000000000000001",
  trigger: "consumption.outgoingRequestStatusChanged",
  data: { request: { id: "REQ1", status: "Completed" }, oldStatus: "Open", newStatus: "Completed" },
  connectorId: "acme",
  correlationId: "0b1f5c0e-2f8b-4b4e-9a4e-6d1f2a3b4c5d",
  time: "2026-03-01T10:20:30.123Z",
};

describe("event codec against the Pub/Sub emulator", () => {
  it("keeps data, attributes and ordering key intact through publish and pull", async () => {
    const message = encoded(event);
    const [received] = await receive(1, (topicName) =>
      pubsub.topic(topicName, { messageOrdering: true }).publishMessage(message),
    );
    if (!received) throw new Error("nothing received");
    expect(received.attributes).toStrictEqual(message.attributes);
    expect(received.orderingKey).toBe("acme");
    expect(received.data.equals(message.data)).toBe(true);
    expect(decodeEvent(received)).toStrictEqual({ ok: true, form: "cloudevents", event });
  });

  it("delivers 50 events of one Connector in publish order", async () => {
    const events = Array.from({ length: 50 }, (_, index) => ({
      ...event,
      id: `evt_${String(index).padStart(4, "0")}`,
      data: { index },
    }));
    const received = await receive(events.length, async (topicName) => {
      const topic = pubsub.topic(topicName, { messageOrdering: true });
      // Not awaited one by one: the client queues per ordering key and must keep the order itself.
      await Promise.all(events.map((each) => topic.publishMessage(encoded(each))));
    });
    const decoded = received.map((message) => {
      const result = decodeEvent(message);
      if (!result.ok || result.form !== "cloudevents") throw new Error("not a hub event");
      return result.event.id;
    });
    expect(decoded).toStrictEqual(events.map((each) => each.id));
  });

  it("reads what the Connector's own Pub/Sub broker publisher sends", async () => {
    const [received] = await receive(1, (topicName) =>
      pubsub.topic(topicName).publishMessage({
        attributes: { namespace: "transport.messageReceived" },
        data: Buffer.from(JSON.stringify({ id: "MSG1" })),
      }),
    );
    if (!received) throw new Error("nothing received");
    expect(decodeEvent(received)).toStrictEqual({
      ok: true,
      form: "connector-broker",
      event: {
        trigger: "transport.messageReceived",
        data: { id: "MSG1" },
        messageId: received.id,
        time: new Date(received.publishTime.getTime()).toISOString(), // milliseconds, not PreciseDate's nanos
      },
    });
  });
});
