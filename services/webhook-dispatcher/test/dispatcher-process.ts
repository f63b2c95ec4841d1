import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createPubSub, encodeEvent, ensureSubscription, ensureTopic, newId } from "@event-hub/shared";
import type { PubSub, Topic } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { startChild, type Child } from "../../../tools/local-stack/src/child-process.ts";
import { findFreePort } from "../../../tools/local-stack/src/free-port.ts";
import { REPO_ROOT } from "../../../tools/local-stack/src/services.ts";
import { uniqueName } from "../../../tools/local-stack/src/test-names.ts";
import { waitForHttp } from "../../../tools/local-stack/src/wait-for-http.ts";
import { openOwnTestDatabase } from "./own-test-pool.ts";

/**
 * webhook-dispatcher as a real process on a topic and a database of its own (migrated; `db` is a
 * pool on it), for end-to-end tests.
 */
export type DispatcherProcess = {
  url: string;
  db: Pool;
  child: Child;
  publish(event: { connectorId: string; trigger: string; data?: unknown }): Promise<string>;
  stop(): Promise<void>;
};

/** `env` is added to the defaults (short lease and poll); set `SSRF_ALLOW` there to reach local receivers. */
export async function startDispatcherProcess(
  label: string,
  env: Record<string, string>,
  secretsKey = randomBytes(32).toString("base64"),
): Promise<DispatcherProcess> {
  const { db, url: databaseUrl, close: closeDatabase } = await openOwnTestDatabase(label);
  const pubsub: PubSub = createPubSub({
    projectId: process.env.PUBSUB_PROJECT_ID ?? "",
    emulatorHost: process.env.PUBSUB_EMULATOR_HOST ?? "",
  });
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("dispatcher");
  await ensureTopic(pubsub, topicName);
  await ensureSubscription(pubsub, topicName, subscriptionName, {
    enableMessageOrdering: true,
    ackDeadlineSeconds: 10,
  });
  const topic: Topic = pubsub.topic(topicName, { messageOrdering: true });
  const port = await findFreePort();
  const child = await startChild({
    name: "webhook-dispatcher",
    command: process.execPath,
    args: [join("services", "webhook-dispatcher", "src", "main.ts")],
    cwd: REPO_ROOT,
    output: { kind: "quiet" },
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      DATABASE_URL: databaseUrl,
      SECRETS_KEY: secretsKey,
      PUBSUB_TOPIC: topicName,
      PUBSUB_SUBSCRIPTION: subscriptionName,
      DELIVERY_LEASE_SECONDS: "5",
      DELIVERY_POLL_INTERVAL_MS: "100",
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = await waitForHttp({
    url: `${url}/health`,
    isReady: (s) => s === 200,
    timeoutMs: 30_000,
    child,
  });
  if (!ready.isReady) {
    await pubsub.close();
    await closeDatabase();
    throw new Error(`dispatcher did not start:\n${child.outputTail()}`);
  }
  return {
    url,
    db,
    child,
    async publish(input) {
      const id = newId("evt");
      const encoded = encodeEvent({ id, time: new Date().toISOString(), data: input.data ?? {}, ...input });
      if (!encoded.ok) throw new Error(encoded.reason);
      await topic.publishMessage(encoded.message);
      return id;
    },
    async stop() {
      await child.stop();
      await pubsub.close();
      await closeDatabase();
    },
  };
}
