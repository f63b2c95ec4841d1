import {
  connectorApiKeySealing,
  createMetricsRegistry,
  createSecretBox,
  ensureSubscription,
  ensureTopic,
  generateSecretsKey,
} from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createScenarioClient,
  startSimulation,
  type ScenarioClient,
  type Simulation,
} from "@event-hub/connector-sim";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  buildDeps,
  createMigratedTestPool,
  emulatorPubSub,
  insertConnector,
  newTestConnector,
  silentLogger,
  loopbackConnectorFetch,
} from "../../test/harness.ts";
import { buildApp } from "../app.ts";
import { createEventPublisher } from "../ingest/event-publisher.ts";
import { createSyncWorkerMetrics } from "../metrics.ts";
import { startAutomationsConsumer } from "./automations-consumer.ts";

type Dto = Record<string, unknown> & { id: string };

// Ingest → topic → automations subscription → PUT …/Accept on a simulated Connector.
describe("autoAcceptPendingRelationships", () => {
  const connectorFetch = loopbackConnectorFetch();
  const secretBox = createSecretBox({ key: generateSecretsKey() });
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("automations");
  const automations = { autoAcceptPendingRelationships: true };
  const connectorA = newTestConnector({ automations });
  const connectorB = newTestConnector({ automations });
  const connectorC = newTestConnector({ automations });
  const metricsRegistry = createMetricsRegistry("sync-worker-test");
  let sim: Simulation;
  let db: Pool;
  let pubsub: PubSub;
  let app: FastifyInstance;
  let consumer: { stop(): Promise<void> };
  let a: ScenarioClient;
  let b: ScenarioClient;
  let c: ScenarioClient;

  beforeAll(async () => {
    db = await createMigratedTestPool();
    pubsub = emulatorPubSub();
    await ensureTopic(pubsub, topicName);
    await ensureSubscription(pubsub, topicName, subscriptionName);
    app = await buildApp(buildDeps({ db, publisher: createEventPublisher(pubsub, topicName) }));
    const ingestUrl = await app.listen({ port: 0, host: "127.0.0.1" });
    const hubConnectors = [connectorA, connectorB, connectorC];
    sim = await startSimulation({
      connectors: 3,
      logLevel: "silent",
      webhooks: (index) => ({
        webhooks: [
          {
            triggers: ["**"],
            target: {
              url: `${ingestUrl}/v1/ingest/${hubConnectors[index]?.id}`,
              authentication: { type: "ApiKey", apiKey: hubConnectors[index]?.ingestKey ?? "" },
            },
          },
        ],
      }),
    });
    for (const [index, connector] of hubConnectors.entries()) {
      const simulated = sim.connectors[index];
      connector.baseUrl = simulated?.baseUrl;
      connector.apiKeySealed = secretBox.seal(simulated?.apiKey ?? "", connectorApiKeySealing(connector.id));
      await insertConnector(db, connector);
    }
    consumer = startAutomationsConsumer(pubsub, subscriptionName, {
      db,
      secretBox,
      logger: silentLogger(),
      metrics: createSyncWorkerMetrics(metricsRegistry),
      requestTimeoutMs: 5000,
      connectorFetch,
    });
    a = await createScenarioClient(sim.connectors[0]?.baseUrl ?? "", sim.connectors[0]?.apiKey ?? "");
    b = await createScenarioClient(sim.connectors[1]?.baseUrl ?? "", sim.connectors[1]?.apiKey ?? "");
    c = await createScenarioClient(sim.connectors[2]?.baseUrl ?? "", sim.connectors[2]?.apiKey ?? "");
  });

  afterAll(async () => {
    await consumer?.stop();
    connectorFetch.close();
    await sim?.stop();
    await app?.close();
    await pubsub?.close();
    await db?.end();
  });

  const outcomes = async () =>
    (
      await db.query<{ connector_id: string; outcome: string | null }>(
        `SELECT connector_id, outcome FROM auto_accepted_relationships WHERE connector_id = ANY($1::text[])`,
        [[connectorA.id, connectorB.id, connectorC.id]],
      )
    ).rows;
  const counted = async (outcome: string) =>
    (await metricsRegistry.getSingleMetricAsString("hub_automation_actions_total"))
      .split("\n")
      .filter((line) => line.includes(`outcome="${outcome}"`))
      .map((line) => Number(line.split(" ").at(-1)))
      .reduce((sum, n) => sum + n, 0);

  /** `owner` offers a template; `peer` loads it and accepts its Request: a Pending relationship. */
  const requestRelationship = async (owner: ScenarioClient, peer: ScenarioClient) => {
    const template = await owner.call<Dto & { truncatedReference: string }>(
      "POST",
      "/RelationshipTemplates/Own",
      {
        content: {
          "@type": "RelationshipTemplateContent",
          onNewRelationship: {
            "@type": "Request",
            items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "I agree." }],
          },
        },
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    );
    await peer.call("POST", "/RelationshipTemplates/Peer", { reference: template.truncatedReference });
    const [request] = await peer.call<Dto[]>("GET", `/Requests/Incoming?source.reference=${template.id}`);
    await peer.call("PUT", `/Requests/Incoming/${request?.id}/Accept`, { items: [{ accept: true }] });
    await owner.call("POST", "/Account/Sync"); // the owner now sees the Pending relationship
    const [relationship] = await owner.call<Dto[]>("GET", `/Relationships?peer=${peer.address}`);
    return relationship;
  };

  it("accepts the peer's pending relationship once, and never the Connector's own", async () => {
    const relationship = await requestRelationship(a, b);
    await expect
      .poll(async () => (await a.call<Dto>("GET", `/Relationships/${relationship?.id}`)).status, {
        timeout: 20_000,
      })
      .toBe("Active");
    await b.call("POST", "/Account/Sync");
    expect((await b.call<Dto>("GET", `/Relationships/${relationship?.id}`)).status).toBe("Active");
    expect(await outcomes()).toStrictEqual([{ connector_id: connectorA.id, outcome: "accepted" }]);
    const acceptedBefore = await counted("accepted");

    // The same Pending event once more (a redelivery or a repeated POST) accepts nothing.
    const pendingEvent = sim.connectors[0]
      ?.events()
      .find((e) => e.namespace === "transport.relationshipChanged" && (e.data as Dto).status === "Pending");
    const again = await app.inject({
      method: "POST",
      url: `/v1/ingest/${connectorA.id}`,
      headers: { "content-type": "application/json", "x-api-key": connectorA.ingestKey },
      payload: { trigger: "transport.relationshipChanged", data: pendingEvent?.data },
    });
    expect(again.statusCode).toBe(202);
    await expect.poll(() => counted("alreadyHandled"), { timeout: 20_000 }).toBe(1);
    expect(await counted("accepted")).toBe(acceptedBefore);
  });

  it("retries an Accept that failed transiently, and accepts exactly once", async () => {
    const failures = 2;
    const acceptedBefore = await counted("accepted");
    const retriedBefore = await counted("retry");
    sim.connectors[2]?.setFaults({ acceptFailures: failures });
    const relationship = await requestRelationship(c, b);

    await expect
      .poll(async () => (await c.call<Dto>("GET", `/Relationships/${relationship?.id}`)).status, {
        timeout: 20_000,
      })
      .toBe("Active");
    expect(sim.connectors[2]?.connector.faults.acceptFailures).toBe(0); // every failure was met
    // The Connector shows Active as soon as it accepted; the hub counts once the call has returned.
    await expect.poll(async () => (await counted("accepted")) - acceptedBefore, { timeout: 10_000 }).toBe(1);
    expect((await counted("retry")) - retriedBefore).toBe(failures);
    expect((await outcomes()).filter((row) => row.connector_id === connectorC.id)).toStrictEqual([
      { connector_id: connectorC.id, outcome: "accepted" },
    ]);
  });
});
