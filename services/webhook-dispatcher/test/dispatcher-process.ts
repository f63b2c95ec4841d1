import { randomBytes } from "node:crypto";
import type { Pool } from "pg";
import { serviceNodeArgs } from "@event-hub/local-stack/service-node-flags";
import { startChild, type Child, type ChildOutput } from "@event-hub/local-stack/child-process";
import { findFreePort } from "@event-hub/local-stack/free-port";
import { REPO_ROOT } from "@event-hub/local-stack/services";
import { waitForHttp } from "@event-hub/local-stack/wait-for-http";
import { createEventTopic, createTestPubSub, publishTestEvent, type TestEvent } from "./event-topic.ts";
import { openOwnTestDatabase } from "./own-test-pool.ts";

/**
 * webhook-dispatcher as a real process on a topic and a database of its own (migrated; `db` is a
 * pool on it), for end-to-end tests.
 */
export type DispatcherProcess = {
  url: string;
  db: Pool;
  child: Child;
  /** Its subscription on its topic (ordered, made by createEventTopic). */
  subscriptionName: string;
  publish(event: TestEvent): Promise<string>;
  stop(): Promise<void>;
};

/** `env` is added to the defaults (short lease and poll); set `SSRF_ALLOW` there to reach local receivers. */
export async function startDispatcherProcess(
  label: string,
  env: Record<string, string>,
  secretsKey = randomBytes(32).toString("base64"),
): Promise<DispatcherProcess> {
  const { db, url: databaseUrl, close: closeDatabase } = await openOwnTestDatabase(label);
  const pubsub = createTestPubSub();
  const { topicName, subscriptionName, topic } = await createEventTopic(pubsub);
  const { child, url } = await startDispatcherChild({
    DATABASE_URL: databaseUrl,
    SECRETS_KEY: secretsKey,
    PUBSUB_TOPIC: topicName,
    PUBSUB_SUBSCRIPTION: subscriptionName,
    ...env,
  }).catch(async (error: unknown) => {
    await pubsub.close();
    await closeDatabase();
    throw error;
  });
  return {
    url,
    db,
    child,
    subscriptionName,
    publish: (input) => publishTestEvent(topic, input),
    async stop() {
      await child.stop();
      await pubsub.close();
      await closeDatabase();
    },
  };
}

/**
 * webhook-dispatcher's main.ts as a child process on a free port, returned once /health answers
 * 200. `env` adds to the test's environment and the defaults (log level warn, 5 s lease, 100 ms poll).
 */
export async function startDispatcherChild(
  env: Record<string, string>,
  output: ChildOutput = { kind: "quiet" },
): Promise<{ child: Child; url: string }> {
  const port = await findFreePort();
  const child = await startChild({
    name: "webhook-dispatcher",
    command: process.execPath,
    args: serviceNodeArgs("webhook-dispatcher"),
    cwd: REPO_ROOT,
    output,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
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
  if (!ready.isReady) throw new Error(`dispatcher did not start:\n${child.outputTail()}`);
  return { child, url };
}
