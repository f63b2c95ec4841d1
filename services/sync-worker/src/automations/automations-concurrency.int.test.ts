import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  connectorApiKeySealing,
  createMetricsRegistry,
  createSecretBox,
  encodeEvent,
  ensureSubscription,
  ensureTopic,
  generateSecretsKey,
  newId,
} from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  createMigratedTestPool,
  emulatorPubSub,
  insertConnector,
  loopbackConnectorFetch,
  newTestConnector,
  silentLogger,
} from "../../test/harness.ts";
import { createSyncWorkerMetrics } from "../metrics.ts";
import { startAutomationsConsumer } from "./automations-consumer.ts";

// The automations subscription takes up to 1,000 events at once, to keep ingest's pace (most need
// nothing), so the calls to Connectors are bounded on their own: a burst of pending relationships,
// among other events, makes at most 20 Accept calls at once, and the rest follow as they answer.
describe("automations consumer under a burst", () => {
  const RELATIONSHIPS = 30;
  const NOISE = 200;
  const connectorFetch = loopbackConnectorFetch();
  const secretBox = createSecretBox({ key: generateSecretsKey() });
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("automations");
  const connector = newTestConnector({ automations: { autoAcceptPendingRelationships: true } });
  const held: ServerResponse[] = [];
  let accepted = 0;
  let open = 0;
  let mostOpen = 0;
  let releaseAll = false;
  const server = createServer((request, response) => {
    request.resume();
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    response.on("finish", () => {
      open -= 1;
      accepted += 1;
    });
    if (releaseAll) response.end("{}");
    else held.push(response);
  });
  let db: Pool;
  let pubsub: PubSub;
  let consumer: { stop(): Promise<void> };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    connector.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    connector.apiKeySealed = secretBox.seal("connector-key", connectorApiKeySealing(connector.id));
    db = await createMigratedTestPool();
    await insertConnector(db, connector);
    pubsub = emulatorPubSub();
    await ensureTopic(pubsub, topicName);
    await ensureSubscription(pubsub, topicName, subscriptionName);
    consumer = startAutomationsConsumer(pubsub, subscriptionName, {
      db,
      secretBox,
      logger: silentLogger(),
      metrics: createSyncWorkerMetrics(createMetricsRegistry("sync-worker-test")),
      requestTimeoutMs: 30_000,
      connectorFetch,
    });
  });

  afterAll(async () => {
    await consumer?.stop();
    connectorFetch.close();
    server.closeAllConnections();
    server.close();
    await pubsub?.close();
    await db?.end();
  });

  it("holds at most 20 Accept calls open and accepts every relationship once they answer", async () => {
    const topic = pubsub.topic(topicName);
    const events = [
      ...Array.from({ length: RELATIONSHIPS }, (_, i) => pendingRelationship(connector.id, `REL${i}`)),
      ...Array.from({ length: NOISE }, (_, i) => messageReceived(connector.id, i)),
    ];
    for (const event of events) {
      const encoded = encodeEvent(event);
      if (!encoded.ok) throw new Error(encoded.reason);
      await topic.publishMessage({ data: encoded.message.data, attributes: encoded.message.attributes });
    }
    await until(() => held.length === 20);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a 21st call, were one let out
    expect(held).toHaveLength(20);
    releaseAll = true;
    for (const response of held.splice(0)) response.end("{}");
    await until(() => accepted === RELATIONSHIPS);
    expect(mostOpen).toBe(20);
  });
});

function pendingRelationship(connectorId: string, relationshipId: string) {
  return {
    id: newId("evt"),
    connectorId,
    trigger: "transport.relationshipChanged",
    time: new Date().toISOString(),
    data: {
      id: relationshipId,
      status: "Pending",
      peer: "did:e:peer",
      auditLog: [{ createdBy: "did:e:peer" }],
    },
  };
}

function messageReceived(connectorId: string, i: number) {
  return {
    id: newId("evt"),
    connectorId,
    trigger: "transport.messageReceived",
    time: new Date().toISOString(),
    data: { id: `MSG${i}` },
  };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not reached: ${condition.toString()}`);
}
