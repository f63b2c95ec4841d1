import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { postIngestEvent, registerConnector, type IngestEndpoint } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// Event data is opaque (DESIGN §7): what a Connector's peer put in a message reaches every receiver
// as the exact JSON the Connector sent, keys a JavaScript object would treat specially included.
describe("opaque event data end to end", () => {
  const connectorId = uniqueName("acme");
  let hub: TestHub;
  let single: Receiver;
  let cloudEvents: Receiver;
  let batch: Receiver;
  let ingest: IngestEndpoint;

  // Built by JSON.parse, as the Connector holds it: "__proto__" is then an own key, sent as such.
  const data = JSON.parse(
    '{"__proto__":{"isAdmin":true,"polluted":"yes"},' +
      '"constructor":{"prototype":{"polluted":"yes"}},' +
      '"content":{"@type":"Mail","subject":"Grüße 👋 — \\u2028 «ünïcödé» \\ud800","body":"a\\"b\\\\c\\n"},' +
      '"nested":[[1,[2,[3,[{"__proto__":[null,true,-0.5,1e+21]}]]]],[],{}],' +
      '"hasOwnProperty":"shadowed","toString":42}',
  ) as unknown;
  const dataText = JSON.stringify(data);

  beforeAll(async () => {
    [single, cloudEvents, batch] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    hub = await startHub();
    ingest = await registerConnector(hub.api, {
      id: connectorId,
      name: "ACME",
      baseUrl: "http://127.0.0.1:9",
    });
    for (const destination of [
      { url: `${single.url}/hooks/{{trigger}}` },
      { url: `${cloudEvents.url}/ce`, format: "cloudevents" },
      { type: "batch", url: `${batch.url}/batch`, publishIntervalSeconds: 1 },
    ]) {
      const created = await hub.api("POST", "/v1/webhooks", {
        ...destination,
        triggers: ["transport.messageReceived"],
        connectorIds: [connectorId],
      });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await hub?.services.stop();
    await Promise.all([single?.close(), cloudEvents?.close(), batch?.close()]);
  });

  it("delivers data with __proto__, constructor.prototype, unicode and nested arrays byte for byte", async () => {
    expect(dataText).toContain('"__proto__":{"isAdmin":true');
    const eventId = await postIngestEvent(ingest, { trigger: "transport.messageReceived", data });

    const [request] = await single.waitFor(1);
    expect(request?.headers["webhook-id"]).toBe(eventId);
    expect(request?.body).toBe(`{"trigger":"transport.messageReceived","data":${dataText}}`);

    const [structured] = await cloudEvents.waitFor(1);
    expect(structured?.body.endsWith(`,"data":${dataText}}`)).toBe(true);
    expect(JSON.parse(structured?.body ?? "{}")).toMatchObject({
      id: eventId,
      type: "transport.messageReceived",
    });

    const [batched] = await batch.waitFor(1, 30_000);
    expect(batched?.body).toBe(`{"messages":[${dataText}],"relationships":[]}`);

    const stored = await hub.api("GET", `/v1/events/${eventId}`);
    expect(stored.status).toBe(200);
    expect(JSON.stringify(stored.json.result.data)).toBe(dataText);
  });

  it("still refuses a body that is not JSON with 400", async () => {
    const response = await fetch(ingest.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [ingest.authentication.headerName]: ingest.authentication.apiKey,
      },
      body: '{"trigger":"transport.messageReceived","data":{"__proto__":}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "error.hub.validation.invalidJsonInPayload",
    );
  });
});
