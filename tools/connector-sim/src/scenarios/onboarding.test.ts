import { ConnectorClient } from "@nmshd/connector-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectValidDto, expectValidEventData, expectValidEvents } from "../../test/sdk-schemas.ts";
import { WebhookReceiver } from "../../test/webhook-receiver.ts";
import { startSimulation, type Simulation } from "../simulation.ts";

// The real client (connector-sdk 6.x, /api/v2) drives template-based onboarding end to end against
// two simulated Connectors; every DTO and every webhook event is checked against the SDK schemas.
let sim: Simulation;
const receivers = [new WebhookReceiver(), new WebhookReceiver()];
let a: ConnectorClient;
let b: ConnectorClient;

beforeAll(async () => {
  await Promise.all(receivers.map((r) => r.start()));
  sim = await startSimulation({
    connectors: 2,
    logLevel: "silent",
    webhooks: (index) => ({
      webhooks: [{ triggers: ["**"], target: { url: `${receivers[index]!.url}/{{trigger}}` } }],
    }),
  });
  [a, b] = sim.connectors.map((c) => ConnectorClient.create({ baseUrl: c.baseUrl, apiKey: c.apiKey })) as [
    ConnectorClient,
    ConnectorClient,
  ];
});

afterAll(async () => {
  try {
    for (const connector of sim.connectors) expectValidEvents(connector.events());
  } finally {
    await sim.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  }
});

const namespaces = (index: number) => sim.connectors[index]!.events().map((e) => e.namespace);

describe("onboarding via template, driven by @nmshd/connector-sdk", () => {
  it("creates an Active relationship on both sides with the runtime's events and valid DTOs", async () => {
    const addressA = (await a.account.getIdentityInfo()).result.address;
    const addressB = (await b.account.getIdentityInfo()).result.address;
    expect(addressA).toMatch(/^did:e:[a-z0-9.-]+:dids:[0-9a-f]{22}$/);

    const template = (
      await a.relationshipTemplates.createOwnRelationshipTemplate({
        content: {
          "@type": "RelationshipTemplateContent",
          title: "Onboarding",
          onNewRelationship: {
            "@type": "Request",
            items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "I accept the terms." }],
          },
        },
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      })
    ).result;
    expectValidDto("ConnectorRelationshipTemplate", template);
    expect(template.truncatedReference).toMatch(/^UkxU/);

    const loaded = (
      await b.relationshipTemplates.loadPeerRelationshipTemplate({ reference: template.truncatedReference })
    ).result;
    expectValidDto("ConnectorRelationshipTemplate", loaded);
    expect(loaded.isOwn).toBe(false);

    const [incoming] = (await b.incomingRequests.getRequests({ source: { reference: template.id } })).result;
    expectValidDto("ConnectorRequest", incoming);
    expect(incoming!.status).toBe("ManualDecisionRequired");

    const decided = (await b.incomingRequests.accept(incoming!.id, { items: [{ accept: true }] })).result;
    expectValidDto("ConnectorRequest", decided);
    expect(decided.status).toBe("Decided");
    expect((await b.incomingRequests.getRequest(incoming!.id)).result.status).toBe("Completed");

    const [pendingAtB] = (await b.relationships.getRelationships({ peer: addressA })).result;
    expectValidDto("ConnectorRelationship", pendingAtB);
    expect(pendingAtB!.status).toBe("Pending");
    expect(namespaces(0)).toEqual([]); // nothing reaches A before its sync

    expect((await a.account.sync()).isSuccess).toBe(true);
    const [pendingAtA] = (await a.relationships.getRelationships({ peer: addressB, status: "Pending" }))
      .result;
    expectValidDto("ConnectorRelationship", pendingAtA);
    const [completedAtA] = (await a.outgoingRequests.getRequests({})).result;
    expectValidDto("ConnectorRequest", completedAtA);
    expect(completedAtA).toMatchObject({ status: "Completed", source: { type: "RelationshipTemplate" } });

    const active = (await a.relationships.acceptRelationship(pendingAtA!.id)).result;
    expectValidDto("ConnectorRelationship", active);
    expect(active.status).toBe("Active");

    await b.account.sync();
    const activeAtB = (await b.relationships.getRelationship(pendingAtB!.id)).result;
    expectValidDto("ConnectorRelationship", activeAtB);
    expect(activeAtB.auditLog.map((entry) => entry.reason)).toEqual(["Creation", "AcceptanceOfCreation"]);
    expectValidDto("ConnectorSyncInfo", (await b.account.getSyncInfo()).result);

    expect(namespaces(0)).toEqual([
      "transport.relationshipChanged",
      "consumption.outgoingRequestCreatedAndCompleted",
      "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
      "transport.relationshipChanged",
    ]);
    expect(namespaces(1)).toEqual([
      "transport.peerRelationshipTemplateLoaded",
      "consumption.incomingRequestReceived",
      "consumption.incomingRequestStatusChanged",
      "consumption.incomingRequestStatusChanged",
      "consumption.relationshipTemplateProcessed",
      "consumption.incomingRequestStatusChanged",
      "transport.relationshipChanged",
      "consumption.incomingRequestStatusChanged",
      "transport.relationshipChanged",
    ]);
  });

  it("posted every event to the webhook, each with data valid against the SDK schemas", async () => {
    for (const [index, receiver] of receivers.entries()) {
      const raised = namespaces(index);
      await receiver.waitFor((received) => received.length === raised.length);
      expect(receiver.triggers().sort()).toEqual([...raised].sort());
      for (const post of receiver.received) {
        expect(post.path).toBe(`/${post.body.trigger}`);
        expectValidEventData(post.body.trigger, post.body.data);
      }
    }
  });

  it("answers the monitoring routes with the SDK's shapes", async () => {
    expectValidDto("ConnectorHealth", await a.monitoring.getHealth());
    expectValidDto("ConnectorVersionInfo", await a.monitoring.getVersion());
  });

  it("serves Connector 7 shapes under /api/core/v1 (templateId, reference)", async () => {
    const { baseUrl, apiKey } = sim.connectors[0]!;
    const get = async (path: string) =>
      (
        (await (
          await fetch(`${baseUrl}/api/core/v1${path}`, { headers: { "x-api-key": apiKey } })
        ).json()) as {
          result: Record<string, unknown>[];
        }
      ).result;
    const [relationship] = await get("/Relationships");
    expect(relationship).toHaveProperty("templateId");
    expect(relationship).not.toHaveProperty("template");
    const [template] = await get("/RelationshipTemplates/Own");
    expect(template).toHaveProperty("reference.url");
    expect(template).not.toHaveProperty("truncatedReference");
  });
});
