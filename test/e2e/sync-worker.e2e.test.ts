import { createHash, randomBytes } from "node:crypto";
import { connectorApiKeySealing, createPubSub, createSecretBox } from "@event-hub/shared";
import type { PubSub } from "@google-cloud/pubsub";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulation, type Simulation } from "@event-hub/connector-sim";
import type { Child } from "@event-hub/local-stack/child-process";
import { findFreePorts } from "@event-hub/local-stack/free-port";
import { uniqueName } from "@event-hub/local-stack/test-names";
import {
  subscribeToPublishedEvents,
  type PublishedEvent as Received,
  type PublishedEventsSubscription,
} from "@event-hub/sync-worker/testing/published-events";
import { REPLICA_SYNC, startSyncReplica } from "./sync-replica.ts";

/** B's interval; the others sync every second. */
const B_INTERVAL_SECONDS = 2;

// Two sync-worker processes over one Postgres and the emulator, syncing simulated Connectors whose
// webhooks module posts to the hub's ingest.
describe("sync-worker replicas", () => {
  const secretsKey = randomBytes(32).toString("base64");
  const secretBox = createSecretBox({ key: secretsKey });
  const topicName = uniqueName("events");
  const subscriptionName = uniqueName("sub");
  const ids = Array.from({ length: 4 }, () => uniqueName("sim"));
  const ingestKeys = ids.map(() => `ingk_${randomBytes(16).toString("base64url")}`);
  const replicaIds = [uniqueName("replica"), uniqueName("replica")];
  const received: Received[] = [];
  let sim: Simulation;
  let db: pg.Client;
  let pubsub: PubSub;
  let replicas: Child[] = [];
  let hubEvents: PublishedEventsSubscription | undefined;
  let ingestUrl = "";

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    pubsub = createPubSub({
      projectId: process.env.PUBSUB_PROJECT_ID,
      emulatorHost: process.env.PUBSUB_EMULATOR_HOST,
    });
    hubEvents = await subscribeToPublishedEvents(
      pubsub,
      { topic: topicName, subscription: subscriptionName },
      (published) => received.push(published),
    );

    const ports = await findFreePorts(2);
    ingestUrl = `http://127.0.0.1:${ports[1]}`; // the replica that survives
    sim = await startSimulation({
      connectors: ids.length,
      logLevel: "silent",
      webhooks: (index) => ({
        webhooks: [
          {
            triggers: ["**"],
            target: {
              url: `${ingestUrl}/v1/ingest/${ids[index]}`,
              authentication: { type: "ApiKey", apiKey: ingestKeys[index] ?? "", headerName: "x-api-key" },
            },
          },
        ],
      }),
    });
    // A and B share a relationship before the hub knows them: the scenario's own syncs never
    // overlap the hub's, so the sim's in-flight sync counts show the replicas alone.
    await sim.runScenario("onboarding", { a: 0, b: 1 });
    // Migrations run when the first replica starts; wait for the table before registering.
    replicas = await Promise.all(
      ports.map((port, i) =>
        startSyncReplica({
          port,
          replicaId: replicaIds[i] ?? "",
          topic: topicName,
          subscription: subscriptionName,
          secretsKey,
        }),
      ),
    );
    for (const [index, connector] of sim.connectors.entries()) {
      await db.query(
        `INSERT INTO connectors (id, name, base_url, api_key_sealed, ingest_key_hash, sync_interval_seconds)
         VALUES ($1, $1, $2, $3, $4, $5)`,
        [
          ids[index],
          connector.baseUrl,
          secretBox.seal(connector.apiKey, connectorApiKeySealing(ids[index] ?? "")),
          createHash("sha256")
            .update(ingestKeys[index] ?? "")
            .digest("hex"),
          index === 1 ? B_INTERVAL_SECONDS : 1,
        ],
      );
    }
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await sim?.stop();
    await hubEvents?.close();
    await pubsub?.close();
    await db?.end();
  });

  const states = async () =>
    (
      await db.query<{
        connector_id: string;
        lease_owner: string | null;
        last_succeeded_at: Date | null;
        last_started_at: Date | null;
        sync_requested_at: Date | null;
      }>(
        `SELECT connector_id, lease_owner, last_succeeded_at, last_started_at, sync_requested_at
           FROM connector_sync_state WHERE connector_id = ANY($1::text[]) ORDER BY connector_id`,
        [ids],
      )
    ).rows;

  it("syncs every Connector, each from exactly one replica", async () => {
    await expect
      .poll(async () => (await states()).filter((s) => s.lease_owner && s.last_succeeded_at).length, {
        timeout: 30_000,
      })
      .toBe(ids.length);
    for (const state of await states()) expect(replicaIds).toContain(state.lease_owner);
  });

  it("publishes the events a scheduled sync raises, with the sync's correlation id", async () => {
    const [a, b] = sim.connectors;
    if (!a || !b) throw new Error("two simulated Connectors expected");
    // No sync-now: B's own schedule picks the message up, and the event carries the correlation id
    // the hub sent with that sync (only the hub syncs B now; the sim notes each sync's header).
    const bSyncs = watchSyncsOf(ids[1] ?? "");
    const sent = await fetch(`${a.baseUrl}/api/v2/Messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": a.apiKey },
      body: JSON.stringify({
        recipients: [b.address],
        content: { "@type": "Mail", to: [b.address], subject: "scheduled", body: "sync" },
      }),
    });
    expect(sent.status).toBe(201);
    const messageId = ((await sent.json()) as { result: { id: string } }).result.id;

    const isIt = (r: Received) =>
      r.event.trigger === "transport.messageReceived" && (r.event.data as { id?: string }).id === messageId;
    await expect.poll(() => received.some(isIt), { timeout: 20_000 }).toBe(true);
    const seen = await bSyncs.stop();
    const got = received.find(isIt) as Received;
    const raised = b
      .events()
      .find(
        (e) => e.namespace === "transport.messageReceived" && (e.data as { id?: string }).id === messageId,
      );
    expect(got.event.data).toStrictEqual(JSON.parse(JSON.stringify(raised?.data)));
    expect(got.event.connectorId).toBe(ids[1]);
    expect(got.orderingKey).toBe(ids[1]);
    expect(got.attributes).toMatchObject({
      "ce-source": `connectors/${ids[1]}`,
      namespace: "transport.messageReceived",
    });
    expect(seen.wasSyncRequested).toBe(false);
    expect(b.connector.syncLog.map((sync) => sync.correlationId)).toContain(got.event.correlationId);
    expect(raised?.correlationId).toBe(got.event.correlationId);
  });

  /** Notes whether anyone asked for a sync-now of a Connector while watching. */
  const watchSyncsOf = (connectorId: string) => {
    let wasSyncRequested = false;
    let isWatching = true;
    const watching = (async () => {
      while (isWatching) {
        const state = (await states()).find((s) => s.connector_id === connectorId);
        if (state?.sync_requested_at) wasSyncRequested = true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    return {
      async stop() {
        isWatching = false;
        await watching;
        return { wasSyncRequested };
      },
    };
  };

  it("keeps each Connector's events in the order the Connector posted them", async () => {
    const post = async (index: number, n: number) => {
      const response = await fetch(`${ingestUrl}/v1/ingest/${ids[index]}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": ingestKeys[index] ?? "" },
        body: JSON.stringify({ trigger: "test.ordered", data: { n } }),
      });
      expect(response.status).toBe(202);
    };
    const postInOrder = async (index: number) => {
      for (let n = 0; n < 30; n++) await post(index, n);
    };
    await Promise.all([postInOrder(2), postInOrder(3)]);
    for (const index of [2, 3]) {
      const numbers = () =>
        received
          .filter((r) => r.event.trigger === "test.ordered" && r.event.connectorId === ids[index])
          .map((r) => (r.event.data as { n: number }).n);
      await expect.poll(() => numbers().length, { timeout: 20_000 }).toBeGreaterThanOrEqual(30);
      expect([...new Set(numbers())]).toStrictEqual(Array.from({ length: 30 }, (_, n) => n));
    }
  });

  it("hands a SIGKILLed replica's Connectors to the other within the lease time", async () => {
    const owner = (await states()).find((s) => s.connector_id === ids[0])?.lease_owner;
    const victim = replicaIds.indexOf(owner ?? "");
    const survivor = replicaIds[1 - victim];
    replicas[victim]?.kill("SIGKILL");
    const killedAt = Date.now();
    let ownedAllAt: number | undefined;
    await expect
      .poll(
        async () => {
          const all = await states();
          if (all.every((s) => s.lease_owner === survivor)) ownedAllAt ??= Date.now();
          return all.every(
            (s) => s.lease_owner === survivor && (s.last_started_at?.getTime() ?? 0) > killedAt,
          );
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
    const syncedAllAt = Date.now();

    // The victim's leases run out at most a lease after its last renewal; the survivor claims them
    // on its next tick and syncs each once it is due (at most one jittered interval later). The
    // margin of one more lease is for a noisy machine, not a speed claim.
    const { leaseSeconds, tickMs, jitterRatio } = REPLICA_SYNC;
    const marginMs = leaseSeconds * 1000;
    const takeoverBoundMs = leaseSeconds * 1000 + 2 * tickMs + marginMs;
    const longestWaitMs = B_INTERVAL_SECONDS * 1000 * (1 + jitterRatio);
    expect((ownedAllAt ?? Infinity) - killedAt).toBeLessThan(takeoverBoundMs);
    expect(syncedAllAt - killedAt).toBeLessThan(takeoverBoundMs + longestWaitMs + tickMs);

    // Exclusivity: never two Account/Sync requests open at once on one Connector, over both
    // replicas and the whole run (the scenario's own syncs ran before the hub knew the Connectors).
    for (const connector of sim.connectors) {
      expect(connector.syncRequests().maxInFlight, connector.name).toBe(1);
    }
  });
});
