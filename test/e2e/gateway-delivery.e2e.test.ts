import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { AdminApi, Json } from "./admin-api.ts";
import { postIngestEvent, registerConnector, type IngestEndpoint } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// The gateway's delivery routes against the real dispatcher: an imported Connector webhooks config
// delivers as the Connector would; resend, recover, redeliver and test events reach the receiver.
describe("api-gateway with the real dispatcher", () => {
  const connectorId = uniqueName("acme");
  let hub: TestHub;
  let imported: Receiver;
  let flaky: Receiver;
  let ingest: IngestEndpoint;

  const api: AdminApi = (...call) => hub.api(...call);
  const ingestEvent = (trigger: string, data: unknown, correlationId: string): Promise<string> =>
    postIngestEvent(ingest, { trigger, data, correlationId });
  const deliveryStatus = async (deliveryId: string) =>
    (await api("GET", `/v1/deliveries/${deliveryId}`)).json.result;

  beforeAll(async () => {
    [imported, flaky] = await Promise.all([startReceiver(), startReceiver()]);
    hub = await startHub();
    ingest = await registerConnector(api, { id: connectorId, name: "ACME", baseUrl: "http://127.0.0.1:9" });
  });

  afterAll(async () => {
    await hub?.services.stop();
    await Promise.all([imported?.close(), flaky?.close()]);
  });

  let importedId: string;
  let firstEventId: string;

  it("delivers like the Connector's webhooks module after importing its config", async () => {
    const response = await api("POST", "/v1/webhooks/import", {
      targets: {
        t1: {
          url: `${imported.url}/hooks/{{trigger}}`,
          headers: { "a-header": "a-value" },
          authentication: { type: "ApiKey", apiKey: "receiver-key", headerName: "x-receiver-key" },
        },
      },
      webhooks: [{ triggers: ["transport.messageReceived"], target: "t1" }],
      connectorIds: [connectorId],
    });
    expect(response.status).toBe(201);
    importedId = response.json.result[0].id;

    const data = { id: "MSGabcdefghijklmnopq", content: { "@type": "Mail", subject: "Hi" } };
    firstEventId = await ingestEvent("transport.messageReceived", data, "corr-import");
    const [request] = await imported.waitFor(1);
    expect(request?.url).toBe("/hooks/transport.messageReceived");
    expect(request?.body).toBe(JSON.stringify({ trigger: "transport.messageReceived", data }));
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "a-header": "a-value",
      "x-receiver-key": "receiver-key",
      "x-correlation-id": "corr-import",
    });
  });

  it("resends a failed delivery; the receiver gets it", async () => {
    flaky.respondWith(400);
    const created = await api("POST", "/v1/webhooks", {
      url: `${flaky.url}/flaky`,
      triggers: ["transport.messageSent"],
      connectorIds: [connectorId],
      retry: { retryClientErrors: false },
    });
    const webhookId = created.json.result.id;
    const eventId = await ingestEvent("transport.messageSent", { n: 1 }, "corr-resend");
    await flaky.waitFor(1);
    let deliveryId = "";
    await expect
      .poll(async () => {
        const page = await api(
          "GET",
          `/v1/deliveries?destinationId=${webhookId}&status=failed&eventId=${eventId}`,
        );
        deliveryId = page.json.result[0]?.id ?? "";
        return page.json.result.length;
      })
      .toBe(1);
    expect((await deliveryStatus(deliveryId)).nextAttemptAt).toBeNull(); // failed: no next attempt

    flaky.respondWith(200);
    expect((await api("POST", `/v1/deliveries/${deliveryId}/resend`)).status).toBe(202);
    const [, resent] = await flaky.waitFor(2);
    expect(JSON.parse(resent?.body ?? "")).toEqual({ trigger: "transport.messageSent", data: { n: 1 } });
    await expect.poll(async () => (await deliveryStatus(deliveryId)).status).toBe("delivered");
    const delivered = await deliveryStatus(deliveryId);
    expect(delivered.attempts.map((a: Json) => a.statusCode)).toEqual([400, 200]);
    // Finished: nothing is due any more, and the first attempt's error is not its error now.
    expect(delivered).toMatchObject({ nextAttemptAt: null, lastError: null, waiting: null });
  });

  it("recovers the failed deliveries of a destination in a window; the receiver gets them", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    flaky.respondWith(400);
    const webhooks = (await api("GET", `/v1/webhooks?connectorId=${connectorId}&limit=200`)).json
      .result as Json[];
    const webhookId = webhooks.find((w) => w.url === `${flaky.url}/flaky`)?.id;
    const before = flaky.received.length;
    await ingestEvent("transport.messageSent", { n: 2 }, "corr-recover");
    await flaky.waitFor(before + 1);
    await expect
      .poll(
        async () =>
          (await api("GET", `/v1/deliveries?destinationId=${webhookId}&status=failed`)).json.result.length,
      )
      .toBe(1);

    flaky.respondWith(200);
    const recovered = await api("POST", `/v1/webhooks/${webhookId}/recover`, { since });
    expect(recovered).toMatchObject({
      status: 202,
      json: { result: { requeuedFailed: 1, requeuedParked: 0, created: 0, limitReached: false } },
    });
    const received = await flaky.waitFor(before + 2);
    expect(JSON.parse(received.at(-1)?.body ?? "")).toEqual({
      trigger: "transport.messageSent",
      data: { n: 2 },
    });
    await expect
      .poll(
        async () =>
          (await api("GET", `/v1/deliveries?destinationId=${webhookId}&status=failed`)).json.result.length,
      )
      .toBe(0);
  });

  it("gets a 410 receiver's events back with one recover and one enable, in event order", async () => {
    const gone = await startReceiver();
    gone.respondWith(410);
    const since = new Date(Date.now() - 60_000).toISOString();
    const created = await api("POST", "/v1/webhooks", {
      url: `${gone.url}/gone`,
      triggers: ["transport.relationshipChanged"],
      connectorIds: [connectorId],
      ordered: true,
    });
    const webhookId = created.json.result.id;
    const storedCount = async () =>
      (
        await api(
          "GET",
          `/v1/events?connectorId=${connectorId}&trigger=transport.relationshipChanged&limit=200`,
        )
      ).json.result.length;
    const ingestSome = async (from: number) => {
      for (let n = from; n < from + 3; n += 1) {
        await ingestEvent("transport.relationshipChanged", { n }, `corr-gone-${n}`);
      }
    };
    try {
      await ingestSome(0);
      await expect
        .poll(async () => (await api("GET", `/v1/webhooks/${webhookId}`)).json.result.enabled)
        .toBe(false);
      await expect.poll(storedCount).toBe(3);
      await expect
        .poll(
          async () =>
            (await api("GET", `/v1/deliveries?destinationId=${webhookId}&status=pending`)).json.result.length,
        )
        .toBe(0);
      await ingestSome(3); // while disabled: no delivery is created for them
      await expect.poll(storedCount).toBe(6);

      gone.respondWith(200);
      const before = gone.received.length;
      const recovered = await api("POST", `/v1/webhooks/${webhookId}/recover`, { since });
      expect(recovered.status).toBe(202);
      const { requeuedFailed, requeuedParked, created: made } = recovered.json.result;
      // Which of the first three got a delivery before the 410 disabled the destination depends on
      // timing (the first at least); every event the destination missed is created, the rest re-queued.
      expect(requeuedFailed + requeuedParked).toBeGreaterThanOrEqual(1);
      expect(requeuedFailed + requeuedParked + made).toBe(6);
      const enabled = await api("POST", `/v1/webhooks/${webhookId}/enable`);
      expect(enabled).toMatchObject({
        status: 200,
        json: { result: { enabled: true, unparkedDeliveries: 0 } },
      });

      await gone.waitFor(before + 6);
      const order = gone.received.slice(before).map((r) => JSON.parse(r.body).data.n as number);
      expect(order).toStrictEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await gone.close();
    }
  });

  it("redelivers a stored event and sends a test event through the same path", async () => {
    const redelivered = await api("POST", `/v1/events/${firstEventId}/redeliver`, {
      destinationIds: [importedId],
    });
    expect(redelivered.status).toBe(202);
    const [, again] = await imported.waitFor(2);
    expect(again?.headers["webhook-id"]).toBe(firstEventId);

    expect((await api("POST", `/v1/webhooks/${importedId}/test`)).status).toBe(202);
    const [, , test] = await imported.waitFor(3);
    expect(test?.url).toBe("/hooks/hub.test");
    expect(JSON.parse(test?.body ?? "").trigger).toBe("hub.test");

    const events = await api("GET", `/v1/events?connectorId=${connectorId}&trigger=transport.*`);
    expect(events.json.result.map((e: Json) => e.trigger)).toEqual(
      expect.arrayContaining(["transport.messageReceived", "transport.messageSent"]),
    );
    // The receiver answers before the dispatcher records the attempt, so wait for the record. Other
    // test files' catch-all webhooks in the run's shared database get deliveries of this event too.
    await expect
      .poll(async () =>
        (await api("GET", `/v1/events/${firstEventId}`)).json.result.deliveries.filter(
          (d: Json) => d.destinationId === importedId,
        ),
      )
      .toEqual([
        expect.objectContaining({ destinationId: importedId, status: "delivered", attemptCount: 2 }),
      ]);
  });
});
