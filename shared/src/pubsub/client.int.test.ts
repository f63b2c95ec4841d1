import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { checkPubSub, createPubSub } from "./client.ts";

const projectId = process.env.PUBSUB_PROJECT_ID;
const emulatorHost = process.env.PUBSUB_EMULATOR_HOST;
if (!projectId || !emulatorHost) throw new Error("PUBSUB_PROJECT_ID and PUBSUB_EMULATOR_HOST must be set");
const pubsub = createPubSub({ projectId, emulatorHost });

afterAll(async () => {
  await pubsub.close();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("checkPubSub", () => {
  it("is true when the topic exists", async () => {
    const name = `check-${randomUUID()}`;
    await pubsub.createTopic(name);
    expect(await checkPubSub(pubsub, name, 2000)).toBe(true);
  });

  it("is false when the topic is missing", async () => {
    expect(await checkPubSub(pubsub, `check-${randomUUID()}`, 2000)).toBe(false);
  });

  it("is false, within the timeout, when Pub/Sub cannot be reached", async () => {
    const unreachable = createPubSub({ projectId, emulatorHost: `127.0.0.1:${await closedPort()}` });
    const started = Date.now();
    expect(await checkPubSub(unreachable, "connector-events", 500)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
    await unreachable.close();
  });
});
