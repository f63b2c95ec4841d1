import { randomBytes } from "node:crypto";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Child } from "@event-hub/local-stack/child-process";
import {
  insertDestination,
  openTestDatabase,
  startHookReceiver,
  type HookReceiver,
} from "@event-hub/webhook-dispatcher/testing/harness";
import { startDispatcherChild } from "@event-hub/webhook-dispatcher/testing/dispatcher-process";
import {
  createEventTopic,
  createTestPubSub,
  publishTestEvent,
} from "@event-hub/webhook-dispatcher/testing/event-topic";

// Issue 13's stalled Connector: the dispatcher SIGKILLed while a receiver was slow, then one
// Connector's events stopped while the others flowed. The cause was the emulator (the dispatcher's
// README, "A Connector that stops after a SIGKILL"): it kept counting the killed dispatcher's
// StreamingPull streams and handed them the ordering keys that hash onto them. The Connector ids
// are ones that, with five killed and five live streams numbered in order, hash onto killed ones
// (charlie, foxtrot) and a live one (alpha); on the unpatched emulator this test failed in 3 of 4
// runs (a Connector stalled past the timeout, or its first events came after later ones).
const CONNECTORS = ["con_alpha", "con_charlie", "con_foxtrot"] as const;
const PER_CONNECTOR = 20;

describe("dispatcher SIGKILL with ordering keys", () => {
  let db: Pool;
  let pubsub: PubSub;
  let topic: Topic;
  let topicName = "";
  let subscriptionName = "";
  let dispatcher: Child | undefined;
  const receivers: HookReceiver[] = [];

  const startDispatcher = async (): Promise<Child> => {
    const { child } = await startDispatcherChild({
      SECRETS_KEY: randomBytes(32).toString("base64"),
      PUBSUB_TOPIC: topicName,
      PUBSUB_SUBSCRIPTION: subscriptionName,
      SSRF_ALLOW: "127.0.0.0/8,::1",
    });
    return child;
  };

  const publishRound = async (round: string): Promise<Map<string, string[]>> => {
    const ids = new Map<string, string[]>();
    for (const connectorId of CONNECTORS) {
      const published: string[] = [];
      for (let i = 0; i < PER_CONNECTOR; i++) {
        const data = { round, i };
        published.push(
          await publishTestEvent(topic, { connectorId, trigger: "transport.messageReceived", data }),
        );
      }
      ids.set(connectorId, published);
    }
    return ids;
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    pubsub = createTestPubSub();
    ({ topicName, subscriptionName, topic } = await createEventTopic(pubsub));
    dispatcher = await startDispatcher();
  });

  afterAll(async () => {
    await dispatcher?.stop();
    for (const receiver of receivers) await receiver.close();
    await pubsub?.close();
    await db?.end();
  });

  it("keeps every Connector flowing after the kill, to ordered and unordered destinations", async () => {
    const slow = await startHookReceiver();
    const ordered = await startHookReceiver();
    receivers.push(slow, ordered);
    slow.answer(() => ({ status: 200, delayMs: 200 }));
    ordered.answer(() => ({ status: 200, delayMs: 50 }));
    await insertDestination(db, { config: { url: slow.url }, connectorIds: [...CONNECTORS] });
    await insertDestination(db, {
      config: { url: ordered.url },
      connectorIds: [...CONNECTORS],
      ordered: true,
    });

    const before = await publishRound("before");
    await slow.waitUntil((r) => r.length >= 5);
    dispatcher?.kill("SIGKILL");
    await dispatcher?.exited;
    dispatcher = await startDispatcher();
    const after = await publishRound("after");

    for (const receiver of [slow, ordered]) {
      for (const connectorId of CONNECTORS) {
        const expected = [...(before.get(connectorId) ?? []), ...(after.get(connectorId) ?? [])];
        await expect
          .poll(() => expected.filter((id) => !delivered(receiver).has(id)), {
            timeout: 45_000,
            interval: 200,
          })
          .toStrictEqual([]);
      }
    }
    // The ordered destination got each Connector's events of the second round in publish order.
    for (const connectorId of CONNECTORS) {
      const order = [...delivered(ordered)].filter((id) => after.get(connectorId)?.includes(id));
      expect(order).toStrictEqual(after.get(connectorId));
    }
  });
});

/** Ids of the events delivered with a 200, in the order of their first delivery. */
function delivered(receiver: HookReceiver): Set<string> {
  return new Set(
    receiver.received.filter((r) => r.status === 200).map((r) => String(r.headers["webhook-id"])),
  );
}
