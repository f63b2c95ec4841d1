import { describe, expect, inject, it } from "vitest";
import { isProcessAlive } from "./child-process.ts";
import { findEmulatorJar, findJava } from "./emulator-jar.ts";
import { startPubSub } from "./pubsub-emulator.ts";
import { uniqueName } from "./test-names.ts";

const hasLocalJar = (await findEmulatorJar()).isFound && findJava().isFound;

async function createTopic(host: string, projectId: string): Promise<number> {
  const response = await fetch(`http://${host}/v1/projects/${projectId}/topics/${uniqueName("topic")}`, {
    method: "PUT",
  });
  return response.status;
}

describe("the Pub/Sub emulator", () => {
  it("of the global setup answers, and its host is in the environment", async () => {
    const host = inject("pubsubEmulatorHost");
    expect(process.env.PUBSUB_EMULATOR_HOST).toBe(host);
    expect(await (await fetch(`http://${host}/`)).text()).toMatch(/^Ok\s*$/);
    expect(await createTopic(host, inject("pubsubProjectId"))).toBe(200);
  });

  it("is used, not started, when PUBSUB_EMULATOR_HOST is set", async () => {
    const emulator = await startPubSub({ env: { PUBSUB_EMULATOR_HOST: "127.0.0.1:1" }, projectId: "p-env" });
    expect(emulator).toMatchObject({ host: "127.0.0.1:1", projectId: "p-env", source: "env", startMs: 0 });
    await emulator.stop();
  });

  it.skipIf(!hasLocalJar)(
    "starts from the local jar on a free loopback port and stops leaving no java process",
    async () => {
      const env = { ...process.env, PUBSUB_EMULATOR_HOST: "" };
      const emulator = await startPubSub({ env, projectId: "p-jar" });
      const pid = emulator.child?.pid ?? -1;
      try {
        expect(emulator.source).toBe("jar");
        expect(emulator.host).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(await (await fetch(`http://${emulator.host}/`)).text()).toMatch(/^Ok\s*$/);
        expect(await createTopic(emulator.host, "p-jar")).toBe(200);
      } finally {
        await emulator.stop();
      }
      expect(isProcessAlive(pid)).toBe(false);
      await expect(fetch(`http://${emulator.host}/`)).rejects.toThrow();
    },
  );
});
