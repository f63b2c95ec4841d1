import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import type { AdminApi, Json } from "./admin-api.ts";
import { postIngestEvent, registerConnector, type IngestEndpoint } from "./connector-ingest.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type ReceivedRequest, type Receiver } from "./receiver.ts";
import { startTokenEndpoint, type TokenEndpoint } from "./token-endpoint.ts";

type SentEvent = { trigger: string; data: Json; correlationId: string };

const events = {
  received: {
    trigger: "transport.messageReceived",
    data: { id: "MSGaaaaaaaaaaaaaaaaa", content: { "@type": "Mail", subject: "Hi" } },
    correlationId: "corr-received",
  },
  // Matches t1's "consumption.*" and both triggers of t2.
  requestCreated: {
    trigger: "consumption.outgoingRequestCreated",
    data: { id: "REQaaaaaaaaaaaaaaaaa", status: "Draft" },
    correlationId: "corr-request",
  },
  // Matches no trigger of t1 or t2, only the inline catch-all.
  relationshipChanged: {
    trigger: "transport.relationshipChanged",
    data: { id: "RELaaaaaaaaaaaaaaaaa", status: "Pending" },
    correlationId: "corr-relationship",
  },
  receivedAgain: {
    trigger: "transport.messageReceived",
    data: { id: "MSGbbbbbbbbbbbbbbbbb", content: { "@type": "Mail", subject: "Again" } },
    correlationId: "corr-received-again",
  },
} satisfies Record<string, SentEvent>;

/** The body the Connector's webhooks module posts: `{trigger, data}` with the concrete trigger. */
const connectorBody = (event: SentEvent) => JSON.stringify({ trigger: event.trigger, data: event.data });

const byCorrelationId = (requests: ReceivedRequest[]) =>
  new Map(requests.map((request) => [request.headers["x-correlation-id"], request]));

// connector-modules.md §3: a Connector's `modules.webhooks` config — named targets t1 (OAuth2, static
// header, `{{trigger}}` URL) and t2 (ApiKey), an inline target, wildcard triggers — imported through
// api-gateway; then what the real dispatcher sends each receiver is compared with what the Connector's
// module would send for the same events.
describe("a Connector's webhooks config imported through api-gateway", () => {
  const connectorId = uniqueName("acme");
  const client = { clientId: "hub-client", clientSecret: "s3cret/for+the=hub", scope: "hooks:write" };
  let hub: TestHub;
  let t1: Receiver;
  let t2: Receiver;
  let inline: Receiver;
  let tokens: TokenEndpoint;
  let ingest: IngestEndpoint;
  const destinationIds: Record<"t1" | "t2" | "inline", string> = { t1: "", t2: "", inline: "" };
  const eventIds = new Map<SentEvent, string>();

  const api: AdminApi = (...call) => hub.api(...call);

  /** The destinations (of this import) that delivered the event, sorted. */
  const deliveredTo = async (event: SentEvent): Promise<string[]> => {
    const { deliveries } = (await api("GET", `/v1/events/${eventIds.get(event)}`)).json.result as Json;
    const ours = Object.values(destinationIds);
    return (deliveries as Json[])
      .filter((d) => ours.includes(d.destinationId) && d.status === "delivered")
      .map((d) => d.destinationId as string)
      .sort();
  };

  beforeAll(async () => {
    [t1, t2, inline, tokens] = await Promise.all([
      startReceiver(),
      startReceiver(),
      startReceiver(),
      startTokenEndpoint(client),
    ]);
    hub = await startHub();
    ingest = await registerConnector(api, { id: connectorId, name: "ACME", baseUrl: "http://127.0.0.1:9" });
  });

  afterAll(async () => {
    await hub?.services.stop();
    await Promise.all([t1?.close(), t2?.close(), inline?.close(), tokens?.close()]);
  });

  it("creates one destination per webhooks entry", async () => {
    const response = await api("POST", "/v1/webhooks/import", {
      enabled: true,
      skipTlsCheck: false,
      targets: {
        t1: {
          url: `${t1.url}/hooks/{{trigger}}?again={{trigger}}`,
          headers: { "a-header": "a-value", x_tenant: "acme" },
          authentication: { type: "OAuth2", accessTokenUrl: tokens.url, ...client },
        },
        t2: {
          url: `${t2.url}/hook`,
          authentication: { type: "ApiKey", apiKey: "k-for-t2", headerName: "x-t2-key" },
        },
      },
      webhooks: [
        { triggers: ["transport.messageReceived", "consumption.*"], target: "t1" },
        { triggers: ["consumption.outgoingRequestCreated", "consumption.**"], target: "t2" },
        { triggers: ["**"], target: { url: `${inline.url}/` } },
      ],
      connectorIds: [connectorId],
    });
    expect(response.status).toBe(201);
    const created = response.json.result as Json[];
    expect(created.map((d) => [d.type, d.triggers])).toEqual([
      ["webhook", ["transport.messageReceived", "consumption.*"]],
      ["webhook", ["consumption.outgoingRequestCreated", "consumption.**"]],
      ["webhook", ["**"]],
    ]);
    const [t1Id, t2Id, inlineId] = created.map((d) => d.id as string);
    Object.assign(destinationIds, { t1: t1Id, t2: t2Id, inline: inlineId });
    // Secrets are write-only: neither the ApiKey nor the client secret comes back.
    expect(JSON.stringify(created)).not.toContain("k-for-t2");
    expect(JSON.stringify(created)).not.toContain(client.clientSecret);

    for (const event of Object.values(events)) eventIds.set(event, await postIngestEvent(ingest, event));
    // Every attempt is recorded once its receiver has answered: after this nothing more is on its way.
    await expect
      .poll(async () => Promise.all(Object.values(events).map(deliveredTo)), { timeout: 30_000 })
      .toEqual([
        [destinationIds.t1, destinationIds.inline].sort(),
        [destinationIds.t1, destinationIds.t2, destinationIds.inline].sort(),
        [destinationIds.inline],
        [destinationIds.t1, destinationIds.inline].sort(),
      ]);
  });

  it("t1 (OAuth2, static header, {{trigger}} URL) gets each matching event as the Connector sends it", () => {
    const sent = [events.received, events.requestCreated, events.receivedAgain];
    expect(t1.received).toHaveLength(sent.length);
    const received = byCorrelationId(t1.received);
    for (const event of sent) {
      const request = received.get(event.correlationId);
      expect(request).toMatchObject({
        method: "POST",
        // Only the first {{trigger}} is filled, as String.prototype.replace does in the Connector.
        url: `/hooks/${event.trigger}?again={{trigger}}`,
        body: connectorBody(event),
      });
      expect(request?.headers).toMatchObject({
        "content-type": "application/json",
        "a-header": "a-value",
        x_tenant: "acme",
        authorization: "Bearer token-1",
        "x-correlation-id": event.correlationId,
      });
    }
  });

  it("fetches t1's token once, as a client-credentials request, and reuses it", () => {
    expect(tokens.issued).toEqual(["token-1"]);
    expect(tokens.requests).toHaveLength(1);
    const [request] = tokens.requests;
    expect(request?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
    );
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: "client_credentials",
      scope: client.scope,
    });
  });

  it("t2 (ApiKey) gets one POST for an event matching two of its triggers (the Connector sends two)", () => {
    expect(t2.received).toHaveLength(1);
    expect(t2.received[0]).toMatchObject({
      method: "POST",
      url: "/hook",
      body: connectorBody(events.requestCreated),
    });
    expect(t2.received[0]?.headers).toMatchObject({
      "content-type": "application/json",
      "x-t2-key": "k-for-t2",
      "x-correlation-id": events.requestCreated.correlationId,
    });
    expect(t2.received[0]?.headers.authorization).toBeUndefined();
  });

  it("the inline target (`**`) gets every event, with no authentication", () => {
    expect(inline.received).toHaveLength(Object.keys(events).length);
    const received = byCorrelationId(inline.received);
    for (const event of Object.values(events)) {
      const request = received.get(event.correlationId);
      expect(request).toMatchObject({ method: "POST", url: "/", body: connectorBody(event) });
      expect(request?.headers.authorization).toBeUndefined();
      expect(request?.headers["x-t2-key"]).toBeUndefined();
      expect(request?.headers["a-header"]).toBeUndefined();
    }
  });
});
