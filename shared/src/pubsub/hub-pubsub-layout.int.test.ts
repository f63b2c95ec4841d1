import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createPubSub } from "./client.ts";
import { hubPubSubLayout, provisionHubPubSub, type HubPubSubNames } from "./hub-pubsub-layout.ts";

const projectId = process.env.PUBSUB_PROJECT_ID;
const emulatorHost = process.env.PUBSUB_EMULATOR_HOST;
if (!projectId || !emulatorHost) throw new Error("PUBSUB_PROJECT_ID and PUBSUB_EMULATOR_HOST must be set");
const pubsub = createPubSub({ projectId, emulatorHost });
const CLI = fileURLToPath(new URL("./provision-cli.ts", import.meta.url));

afterAll(async () => {
  await pubsub.close();
});

const uniqueNames = (): HubPubSubNames => {
  const suffix = randomUUID();
  return {
    PUBSUB_TOPIC: `layout-events-${suffix}`,
    PUBSUB_SUBSCRIPTION: `layout-dispatcher-${suffix}`,
    AUTOMATIONS_SUBSCRIPTION: "",
    OPERATIONS_TOPIC: `layout-operations-${suffix}`,
  };
};

/** Every resource of the layout exists, each subscription on its topic with its settings. */
async function expectProvisioned(names: HubPubSubNames): Promise<void> {
  const layout = hubPubSubLayout(names);
  for (const topic of layout.topics) expect((await pubsub.topic(topic).exists())[0]).toBe(true);
  for (const subscription of layout.subscriptions) {
    const [metadata] = await pubsub.subscription(subscription.name).getMetadata();
    expect(metadata.topic).toBe(`projects/${projectId}/topics/${subscription.topic}`);
    expect(metadata.enableMessageOrdering ?? false).toBe(
      subscription.settings.enableMessageOrdering ?? false,
    );
    expect(metadata.ackDeadlineSeconds).toBe(subscription.settings.ackDeadlineSeconds);
  }
}

describe("provisionHubPubSub", () => {
  it("creates every topic and subscription of the layout, and again after they were lost", async () => {
    const names = uniqueNames();
    const layout = hubPubSubLayout(names);
    expect(layout.subscriptions.map((s) => s.name)).toStrictEqual([
      names.PUBSUB_SUBSCRIPTION,
      `${names.PUBSUB_TOPIC}-sync-worker-automations`,
    ]);
    await Promise.all([provisionHubPubSub(pubsub, layout), provisionHubPubSub(pubsub, layout)]);
    await expectProvisioned(names);

    // An emulator restart loses them all.
    for (const s of layout.subscriptions) await pubsub.subscription(s.name).delete();
    for (const topic of layout.topics) await pubsub.topic(topic).delete();
    await provisionHubPubSub(pubsub, layout);
    await expectProvisioned(names);
  });
});

describe("make provision (provision-cli.ts)", () => {
  it("provisions the layout named by the services' variables and prints it", async () => {
    const names = uniqueNames();
    const { stdout } = await promisify(execFile)(process.execPath, [CLI], {
      env: { ...process.env, ...names, PUBSUB_EMULATOR_HOST: emulatorHost, PUBSUB_PROJECT_ID: projectId },
    });
    expect(stdout).toContain(
      `subscription ${names.PUBSUB_SUBSCRIPTION} on ${names.PUBSUB_TOPIC} (dispatcher)`,
    );
    expect(stdout).toContain("every topic and subscription of the hub exists");
    await expectProvisioned(names);
  });

  it("exits 1 with one line on a bad setting", async () => {
    const run = promisify(execFile)(process.execPath, [CLI], {
      env: { ...process.env, PUBSUB_EMULATOR_HOST: "not a host", PUBSUB_PROJECT_ID: projectId },
    });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^provision: .*\n$/) });
  });
});
