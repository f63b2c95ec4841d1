import { createPubSub, ensureSubscription } from "@event-hub/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startDispatcherProcess,
  type DispatcherProcess,
} from "@event-hub/webhook-dispatcher/testing/dispatcher-process";

// Issue 13: after an emulator restart the dispatcher logged "Subscription does not exist" once and
// never consumed again, /ready 200; a re-created subscription was not picked up without a restart.
// Here its subscription is deleted under the running process.
describe("webhook-dispatcher when its subscription vanishes", () => {
  const pubsub = createPubSub({
    projectId: process.env.PUBSUB_PROJECT_ID ?? "",
    emulatorHost: process.env.PUBSUB_EMULATOR_HOST ?? "",
  });
  const started: DispatcherProcess[] = [];

  afterAll(async () => {
    for (const dispatcher of started) await dispatcher.stop();
    await pubsub.close();
  });

  const start = async (label: string, env: Record<string, string>) => {
    const dispatcher = await startDispatcherProcess(label, env);
    started.push(dispatcher);
    return dispatcher;
  };
  const ready = async (dispatcher: DispatcherProcess) => {
    const response = await fetch(`${dispatcher.url}/ready`);
    const body = (await response.json()) as { reasons?: Record<string, string> };
    return { status: response.status, reason: body.reasons?.subscription ?? "" };
  };
  const isStored = async (dispatcher: DispatcherProcess, eventId: string) =>
    (await dispatcher.db.query("SELECT 1 FROM events WHERE id = $1", [eventId])).rowCount === 1;
  const publish = (dispatcher: DispatcherProcess, n: number) =>
    dispatcher.publish({ connectorId: "lost-sub", trigger: "transport.messageReceived", data: { n } });
  const topicOf = async (dispatcher: DispatcherProcess) => {
    const [metadata] = await pubsub.subscription(dispatcher.subscriptionName).getMetadata();
    return metadata.topic ?? "";
  };

  let provisioning: DispatcherProcess;
  beforeAll(async () => {
    provisioning = await start("lost_sub_provision", { SUBSCRIPTION_WATCHDOG_SECONDS: "2" });
  });

  it("reports not-ready, re-creates it (PUBSUB_PROVISION) and consumes new events without a restart", async () => {
    const first = await publish(provisioning, 0);
    await expect.poll(() => isStored(provisioning, first), { timeout: 20_000 }).toBe(true);

    await pubsub.subscription(provisioning.subscriptionName).delete();
    // Not-ready while it is gone (too short a time to catch with a poll here: the log says it).
    await expect
      .poll(() => provisioning.child.outputTail(), { timeout: 20_000 })
      .toContain("subscription not consumed; reopening it");
    await expect.poll(async () => (await ready(provisioning)).status, { timeout: 30_000 }).toBe(200);
    const [metadata] = await pubsub.subscription(provisioning.subscriptionName).getMetadata();
    expect(metadata.enableMessageOrdering).toBe(true); // re-created from the layout, ordered

    const after = await publish(provisioning, 1);
    await expect.poll(() => isStored(provisioning, after), { timeout: 20_000 }).toBe(true);
    expect(provisioning.child.isRunning()).toBe(true);
  });

  it("with PUBSUB_PROVISION off, says what to do and consumes once an operator re-created it", async () => {
    const waiting = await start("lost_sub_waiting", {
      PUBSUB_PROVISION: "false",
      SUBSCRIPTION_WATCHDOG_SECONDS: "2",
    });
    const topic = await topicOf(waiting);
    await pubsub.subscription(waiting.subscriptionName).delete();
    await expect
      .poll(async () => (await ready(waiting)).reason, { timeout: 20_000 })
      .toContain("PUBSUB_PROVISION is off");
    expect((await ready(waiting)).status).toBe(503);

    await ensureSubscription(pubsub, topic, waiting.subscriptionName, { enableMessageOrdering: true });
    await expect.poll(async () => (await ready(waiting)).status, { timeout: 30_000 }).toBe(200);
    const after = await publish(waiting, 0);
    await expect.poll(() => isStored(waiting, after), { timeout: 20_000 }).toBe(true);
  });
});
