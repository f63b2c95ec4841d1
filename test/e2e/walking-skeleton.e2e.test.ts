import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "./admin-api.ts";
import { registerConnector } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// One real event the whole way: ingest → Pub/Sub emulator → dispatcher → Postgres → HTTP receiver.
describe("walking skeleton", () => {
  let hub: TestHub;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    hub = await startHub();
  });

  afterAll(async () => {
    await hub?.services.stop();
    await receiver?.close();
  });

  const json = async (response: Response): Promise<Json> => (await response.json()) as Json;

  it("delivers an ingested event to a registered webhook, exactly as the Connector would post it", async () => {
    const ingest = await registerConnector(hub.api, {
      id: "acme",
      name: "ACME Connector",
      baseUrl: "http://127.0.0.1:9",
    });

    const webhookResponse = await hub.api("POST", "/v1/webhooks", {
      url: `${receiver.url}/hooks/{{trigger}}`,
      triggers: ["transport.*"],
      headers: { "x-static": "yes" },
    });
    expect(webhookResponse.status).toBe(201);
    const webhook = webhookResponse.json.result;
    expect(webhook.secret).toMatch(/^whsec_/);

    const data = { id: "MSGabcdefghijklmnopq", content: { "@type": "Mail", subject: "Hi", body: "ünïcödé" } };
    const ingestUrl = ingest.url.replace("http://localhost:8081", hub.services.urls.syncWorker);
    const ingestResponse = await fetch(ingestUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [ingest.authentication.headerName]: ingest.authentication.apiKey,
        "x-correlation-id": "corr-walking-skeleton",
      },
      body: JSON.stringify({ trigger: "transport.messageReceived", data }),
    });
    expect(ingestResponse.status).toBe(202);
    const eventId = (await json(ingestResponse)).result.id;
    expect(eventId).toMatch(/^evt_[0-9A-Z]{26}$/);

    const [request] = await receiver.waitFor(1);
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/hooks/transport.messageReceived");
    expect(JSON.parse(request?.body ?? "")).toStrictEqual({ trigger: "transport.messageReceived", data });
    expect(Object.keys(JSON.parse(request?.body ?? ""))).toStrictEqual(["trigger", "data"]);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["x-static"]).toBe("yes");
    expect(request?.headers["x-correlation-id"]).toBe("corr-walking-skeleton");
    expect(request?.headers["webhook-id"]).toBe(eventId);
    const verified = new Webhook(webhook.secret).verify(request?.body ?? "", {
      "webhook-id": String(request?.headers["webhook-id"]),
      "webhook-timestamp": String(request?.headers["webhook-timestamp"]),
      "webhook-signature": String(request?.headers["webhook-signature"]),
    });
    expect(verified).toStrictEqual({ trigger: "transport.messageReceived", data });

    const db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      await expect
        .poll(async () => {
          const { rows } = await db.query(
            `SELECT d.status, d.attempt_count, a.outcome, a.status_code
             FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
            WHERE d.event_id = $1`,
            [eventId],
          );
          return rows;
        })
        .toStrictEqual([{ status: "delivered", attempt_count: 1, outcome: "success", status_code: 200 }]);
    } finally {
      await db.end();
    }
  });

  it("answers 401 in the Connector's error envelope without an API key", async () => {
    const response = await fetch(`${hub.services.urls.apiGateway}/v1/webhooks`);
    expect(response.status).toBe(401);
    const body = await json(response);
    expect(body.error).toMatchObject({ code: "error.hub.unauthorized" });
    expect(body.error.id).toMatch(/^ERR[A-Z0-9]{17}$/);
  });

  it("serves /health, /ready and /metrics on every service", async () => {
    for (const url of Object.values(hub.services.urls)) {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const ready = await fetch(`${url}/ready`);
      expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: "up", pubsub: "up" } });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain("process_cpu_user_seconds_total");
    }
  });

  // Last: the services drain and exit by themselves on SIGTERM (not killed after the grace period).
  it("shuts every service down cleanly on SIGTERM", async () => {
    for (const child of Object.values(hub.services.children())) {
      expect(await child.stop()).toStrictEqual({ code: 0, signal: null });
    }
  });
});
