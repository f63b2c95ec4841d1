import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConnectorSims, type StartedConnectorSims } from "../../tools/local-stack/src/connector-sims.ts";
import { isPortFree } from "../../tools/local-stack/src/free-port.ts";
import { startServices, type RunningServices, type StackEnv } from "../../tools/local-stack/src/services.ts";
import { uniqueName } from "../../tools/local-stack/src/test-names.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// What `make up` wires: two simulated Connectors registered in the hub, their webhooks module
// posting to sync-worker's ingest. A scenario's events from both Connectors reach a webhook.
describe("simulated Connectors wired to the hub", () => {
  let env: StackEnv;
  let services: RunningServices;
  let sims: StartedConnectorSims;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    env = {
      DATABASE_URL: process.env.DATABASE_URL ?? "",
      PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST ?? "",
      PUBSUB_PROJECT_ID: process.env.PUBSUB_PROJECT_ID ?? "",
      SECRETS_KEY: randomBytes(32).toString("base64"),
      ADMIN_API_KEY: `admin-${randomBytes(24).toString("base64url")}`,
      LOG_LEVEL: "warn",
    };
    services = await startServices({
      env,
      extraEnv: { PUBSUB_TOPIC: uniqueName("events"), PUBSUB_SUBSCRIPTION: uniqueName("dispatcher") },
      ports: "free",
      quiet: true,
    });
    sims = await startConnectorSims({
      env,
      services,
      logDir: ".local/logs/test",
      basePort: await twoFreePorts(),
    });
  });

  afterAll(async () => {
    await sims?.stop();
    await services?.stop();
    await receiver?.close();
  });

  it("delivers the onboarding scenario's events of both Connectors to a webhook", async () => {
    const created = await fetch(`${services.urls.apiGateway}/v1/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": env.ADMIN_API_KEY },
      body: JSON.stringify({
        url: `${receiver.url}/{{trigger}}`,
        triggers: ["transport.relationshipChanged"],
      }),
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
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
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
});

/** A base port p with p and p + 1 free, for the two simulated Connectors. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isPortFree(base)) && (await isPortFree(base + 1))) return base;
  }
}
