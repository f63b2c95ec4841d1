import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedConnectorSims } from "@event-hub/local-stack/connector-sims";
import { startTestConnectorSims } from "./connector-sims.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// What `make up` wires: two simulated Connectors registered in the hub, their webhooks module
// posting to sync-worker's ingest. A scenario's events from both Connectors reach a webhook.
describe("simulated Connectors wired to the hub", () => {
  let hub: TestHub;
  let sims: StartedConnectorSims;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    hub = await startHub();
    sims = await startTestConnectorSims(hub);
  });

  afterAll(async () => {
    await sims?.stop();
    await hub?.services.stop();
    await receiver?.close();
  });

  it("delivers the onboarding scenario's events of both Connectors to a webhook", async () => {
    const created = await hub.api("POST", "/v1/webhooks", {
      url: `${receiver.url}/{{trigger}}`,
      triggers: ["transport.relationshipChanged"],
    });
    expect(created.status).toBe(201);

    const simA = sims.endpoints[0]?.url.split(" ")[0]?.replace("/api/v2", "") ?? "";
    const scenario = await fetch(`${simA}/sim/scenarios/onboarding`, {
      method: "POST",
      headers: { "x-api-key": "sim-connector-1-API_KEY_0000000000" },
    });
    expect(scenario.status).toBe(200);

    // Both sides see the relationship change (created on one side, accepted on the other).
    await receiver.waitFor(2, 40_000);
    const db = new pg.Client({ connectionString: hub.env.DATABASE_URL });
    await db.connect();
    try {
      await expect
        .poll(
          async () =>
            (
              await db.query(
                `SELECT DISTINCT connector_id FROM events WHERE trigger = 'transport.relationshipChanged' ORDER BY 1`,
              )
            ).rows.map((row) => row.connector_id),
          { timeout: 40_000 },
        )
        .toStrictEqual(["sim-a", "sim-b"]);
    } finally {
      await db.end();
    }
    for (const request of receiver.received) {
      expect(request.url).toBe("/transport.relationshipChanged");
      expect(JSON.parse(request.body)).toMatchObject({ trigger: "transport.relationshipChanged" });
    }
  });

  it("shows a failing sync's error in the Connector list, and clears it at the next successful sync", async () => {
    const simA = sims.endpoints[0]?.url.split(" ")[0]?.replace("/api/v2", "") ?? "";
    const setSyncFault = async (sync: "error" | "ok") => {
      const response = await fetch(`${simA}/sim/faults`, {
        method: "PUT",
        headers: { "x-api-key": "sim-connector-1-API_KEY_0000000000", "content-type": "application/json" },
        body: JSON.stringify({ sync }),
      });
      expect(response.status).toBe(200);
    };
    const syncOfA = async () => {
      const listed = await hub.api("GET", "/v1/connectors?limit=200");
      return listed.json.result.find((connector: { id: string }) => connector.id === "sim-a")?.sync;
    };

    await setSyncFault("error");
    try {
      await expect.poll(async () => (await syncOfA())?.lastError, { timeout: 40_000 }).toContain("HTTP 500");
    } finally {
      await setSyncFault("ok");
    }
    const failedAt = (await syncOfA()).lastFailedAt as string;
    await expect
      .poll(async () => (await syncOfA())?.lastSucceededAt > failedAt, { timeout: 60_000 })
      .toBe(true);
    expect(await syncOfA()).toMatchObject({
      lastError: null,
      consecutiveFailures: 0,
      lastFailedAt: failedAt,
    });
  });
});
