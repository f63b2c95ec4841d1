import { ConnectorClient } from "@nmshd/connector-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedConnectorSims } from "@event-hub/local-stack/connector-sims";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { startTestConnectorSims } from "./connector-sims.ts";
import { startHub, type TestHub } from "./hub.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

// The api-gateway issue's done-when: @nmshd/connector-sdk 6.x with `baseUrl = <gateway>/v1/connectors/{id}`
// and a gateway key runs the consent flow against two simulated Connectors through the gateway,
// and the events it raises reach a webhook registered through the API with the SDK call's
// correlation id.
describe("@nmshd/connector-sdk through the gateway", () => {
  const SIMS = ["sim-a", "sim-b"] as const;
  let hub: TestHub;
  let sims: StartedConnectorSims;
  let receiver: Receiver;
  let gatewayKey: string;

  // sim-a and sim-b are fixed ids in the run's shared database: start from and leave a clean slate
  // so another test's registration (with its own ports) is never used.
  const forgetSims = async (): Promise<void> => {
    for (const id of SIMS)
      expect([204, 404]).toContain((await hub.api("DELETE", `/v1/connectors/${id}`)).status);
  };
  const sdkFor = (id: string): CorrelatingClient =>
    withCorrelation(
      ConnectorClient.create({
        baseUrl: `${hub.services.urls.apiGateway}/v1/connectors/${id}`,
        apiKey: gatewayKey,
      }),
    );

  beforeAll(async () => {
    receiver = await startReceiver();
    hub = await startHub({
      readyTimeoutMs: 120_000, // the machine is shared; starting three services can take a while
    });
    await forgetSims();
    sims = await startTestConnectorSims(hub);
    const key = await hub.api("POST", "/v1/keys", { name: "sdk", scopes: ["core:**", "monitoring:*"] });
    expect(key.status).toBe(201);
    gatewayKey = key.json.result.key;
  }, 300_000);

  afterAll(async () => {
    await sims?.stop();
    if (hub) await forgetSims();
    await hub?.services.stop();
    await receiver?.close();
  }, 120_000);

  it("runs the consent flow; the created Request's event reaches a webhook with the SDK call's correlation id", async () => {
    const webhook = await hub.api("POST", "/v1/webhooks", {
      url: `${receiver.url}/{{trigger}}`,
      triggers: ["consumption.outgoingRequestCreated", "consumption.outgoingRequestStatusChanged"],
      connectorIds: ["sim-a"],
    });
    expect(webhook.status).toBe(201);
    const [a, b] = [sdkFor("sim-a"), sdkFor("sim-b")];
    const addressB = ok(await b.account.getIdentityInfo()).address;
    await onboard(a, b);

    // connector-events.md §4.3, as tools/connector-sim/src/scenarios/consent.test.ts drives it.
    const correlationId = uniqueName("sdk-call");
    const created = ok(
      await a.withCorrelationId(correlationId).outgoingRequests.createRequest({
        content: { items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "Newsletter?" }] },
        peer: addressB,
      }),
    );
    expect(created.status).toBe("Draft");
    ok(await a.messages.sendMessage({ recipients: [addressB], content: created.content }));
    ok(await b.account.sync());
    expect(ok(await b.incomingRequests.getRequest(created.id)).status).toBe("ManualDecisionRequired");
    expect(ok(await b.incomingRequests.accept(created.id, { items: [{ accept: true }] })).status).toBe(
      "Decided",
    );
    ok(await a.account.sync());
    const completed = ok(await a.outgoingRequests.getRequest(created.id));
    expect(completed.status).toBe("Completed");
    expect(completed.response?.content.result).toBe("Accepted");

    const createdEvent = await waitForPost(
      (post) => post.url === "/consumption.outgoingRequestCreated" && post.data.id === created.id,
    );
    expect(createdEvent.headers["x-correlation-id"]).toBe(correlationId);
    // The webhook also sees the Request complete (raised by A's sync, so another correlation id).
    await waitForPost(
      (post) =>
        post.url === "/consumption.outgoingRequestStatusChanged" &&
        post.data.request?.id === created.id &&
        post.data.newStatus === "Completed",
    );
  }, 180_000);

  it("reaches the Connector's un-enveloped monitoring routes", async () => {
    const a = sdkFor("sim-a");
    expect(await a.monitoring.getHealth()).toMatchObject({ isHealthy: true });
    expect(await a.monitoring.getVersion()).toMatchObject({ version: expect.any(String) });
  });

  type Post = {
    url: string;
    headers: Record<string, unknown>;
    data: { id?: string; newStatus?: string; request?: { id?: string } };
  };
  async function waitForPost(matches: (post: Post) => boolean): Promise<Post> {
    for (let count = 1; ; count++) {
      await receiver.waitFor(count, 60_000);
      const posts = receiver.received.map((r) => ({
        url: r.url,
        headers: r.headers,
        data: (JSON.parse(r.body) as { data: Post["data"] }).data,
      }));
      const found = posts.find(matches);
      if (found) return found;
    }
  }
});

type SdkResult<T> = { isSuccess: boolean; result: T; error: { code: string; message: string } };
type CorrelatingClient = ConnectorClient & { withCorrelationId(id: string): CorrelatingClient };

/** Unwraps the SDK's result, failing with the Connector's (or the gateway's) error. */
function ok<T>(response: SdkResult<T>): T {
  if (!response.isSuccess) throw new Error(`${response.error.code}: ${response.error.message}`);
  return response.result;
}

/**
 * `ConnectorClient.withCorrelationId` came to the SDK after 6.7.0 (nmshd/connector#340), and 6.7.0
 * is the newest 6.x the registry has here. Until the SDK is upgraded this adds it the same way the
 * SDK does: the next request (only) carries `x-correlation-id`.
 */
function withCorrelation(client: ConnectorClient): CorrelatingClient {
  if ("withCorrelationId" in client) return client as CorrelatingClient;
  type Config = { headers: Record<string, unknown> };
  type Http = { interceptors: { request: { use(f: (config: Config) => Config): number } } };
  const http = (client.account as unknown as { httpClient: Http }).httpClient;
  let next: string | null = null;
  http.interceptors.request.use((config) => {
    if (next !== null) config.headers["x-correlation-id"] = next;
    next = null;
    return config;
  });
  const correlating = client as CorrelatingClient;
  correlating.withCorrelationId = (id) => {
    next = id;
    return correlating;
  };
  return correlating;
}

/** Template-based onboarding (connector-events.md §4.4) through the gateway, as connector-sim's scenario does it. */
async function onboard(a: ConnectorClient, b: ConnectorClient): Promise<void> {
  const template = ok(
    await a.relationshipTemplates.createOwnRelationshipTemplate({
      content: {
        "@type": "RelationshipTemplateContent",
        title: "Onboarding through the hub",
        onNewRelationship: {
          "@type": "Request",
          items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "Terms of use" }],
        },
      },
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    }),
  );
  ok(await b.relationshipTemplates.loadPeerRelationshipTemplate({ reference: template.truncatedReference }));
  const [request] = ok(await b.incomingRequests.getRequests({ source: { reference: template.id } }));
  if (!request) throw new Error("B received no Request from A's template");
  ok(await b.incomingRequests.accept(request.id, { items: [{ accept: true }] }));
  ok(await a.account.sync());
  const addressB = ok(await b.account.getIdentityInfo()).address;
  const [pending] = ok(await a.relationships.getRelationships({ peer: addressB, status: "Pending" }));
  if (!pending) throw new Error("A has no Pending relationship to B after its sync");
  ok(await a.relationships.acceptRelationship(pending.id));
  ok(await b.account.sync());
}
