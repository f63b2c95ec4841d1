import { ConnectorClient } from "@nmshd/connector-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectValidDto, expectValidEventData, expectValidEvents } from "../../test/sdk-schemas.ts";
import { WebhookReceiver } from "../../test/webhook-receiver.ts";
import type { SimEvent } from "../event-bus.ts";
import { startSimulation, type Simulation } from "../simulation.ts";

// The consent flow of connector-events.md §4.3, driven by @nmshd/connector-sdk 6.x: the events on
// each side must come in the runtime's order, and webhooks must post them with valid data.
let sim: Simulation;
const receivers = [new WebhookReceiver(), new WebhookReceiver()];
let a: ConnectorClient;
let b: ConnectorClient;
const seqBefore = [0, 0];
/** How many webhook POSTs each receiver had got before the consent flow (onboarding's). */
const postsBefore = [0, 0];

beforeAll(async () => {
  await Promise.all(receivers.map((r) => r.start()));
  sim = await startSimulation({
    connectors: 2,
    logLevel: "silent",
    webhooks: (index) => ({
      targets: {
        hub: {
          url: `${receivers[index]!.url}/ingest`,
          authentication: { type: "ApiKey", apiKey: "k-" + index },
        },
      },
      webhooks: [{ triggers: ["transport.**", "consumption.*"], target: "hub" }],
    }),
  });
  [a, b] = sim.connectors.map((c) => ConnectorClient.create({ baseUrl: c.baseUrl, apiKey: c.apiKey })) as [
    ConnectorClient,
    ConnectorClient,
  ];
  await sim.runScenario("onboarding");
  // POSTs run concurrently and unawaited: wait until onboarding's have all arrived, so the flow's
  // POSTs are exactly those after this offset.
  for (const [index, receiver] of receivers.entries()) {
    const raised = sim.connectors[index]!.events().length;
    await receiver.waitFor((received) => received.length === raised);
    postsBefore[index] = receiver.received.length;
  }
  sim.connectors.forEach((c, i) => (seqBefore[i] = c.connector.bus.lastSeq));
});

afterAll(async () => {
  try {
    for (const connector of sim.connectors) expectValidEvents(connector.events());
  } finally {
    await sim.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  }
});

const flowEvents = (index: number): SimEvent[] => sim.connectors[index]!.events(seqBefore[index]);
const describeEvent = (event: SimEvent) => {
  const data = event.data as { oldStatus?: string; newStatus?: string; result?: string };
  if (data.newStatus) return `${event.namespace} ${data.oldStatus}→${data.newStatus}`;
  if (event.namespace === "consumption.messageProcessed") return `${event.namespace} ${data.result}`;
  return event.namespace;
};

// §4.3: the same sequence whether B accepts or rejects (the RequestModule answers either way).
const consentEventsAtA = [
  "consumption.outgoingRequestCreated",
  "transport.messageSent",
  "consumption.outgoingRequestStatusChanged Draft→Open",
  "transport.messageReceived",
  "consumption.outgoingRequestStatusChanged Open→Completed",
  "consumption.messageProcessed NoRequest",
];
const consentEventsAtB = [
  "transport.messageReceived",
  "consumption.incomingRequestReceived",
  "consumption.incomingRequestStatusChanged Open→DecisionRequired",
  "consumption.incomingRequestStatusChanged DecisionRequired→ManualDecisionRequired",
  "consumption.messageProcessed ManualRequestDecisionRequired",
  "consumption.incomingRequestStatusChanged ManualDecisionRequired→Decided",
  "transport.messageSent",
  "consumption.incomingRequestStatusChanged Decided→Completed",
];

describe("consent flow (ConsentRequestItem in a Message), driven by @nmshd/connector-sdk", () => {
  let requestId = "";

  it("completes A's Request with B's manual acceptance, with valid DTOs at every step", async () => {
    const addressB = sim.connectors[1]!.address;
    const created = (
      await a.outgoingRequests.createRequest({
        content: { items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "Newsletter?" }] },
        peer: addressB,
      })
    ).result;
    expectValidDto("ConnectorRequest", created);
    expect(created.status).toBe("Draft");
    requestId = created.id;

    const message = (await a.messages.sendMessage({ recipients: [addressB], content: created.content }))
      .result;
    expectValidDto("ConnectorMessage", message);
    expect((await a.outgoingRequests.getRequest(requestId)).result.status).toBe("Open");
    expect((await b.incomingRequests.getRequests({})).result.some((r) => r.id === requestId)).toBe(false);

    await b.account.sync();
    const incoming = (await b.incomingRequests.getRequest(requestId)).result;
    expectValidDto("ConnectorRequest", incoming);
    expect(incoming).toMatchObject({
      status: "ManualDecisionRequired",
      source: { type: "Message", reference: message.id },
    });
    expectValidDto("ConnectorMessage", (await b.messages.getMessage(message.id)).result);

    const decided = (await b.incomingRequests.accept(requestId, { items: [{ accept: true }] })).result;
    expectValidDto("ConnectorRequest", decided);
    expect(decided.status).toBe("Decided");

    await a.account.sync();
    const completed = (await a.outgoingRequests.getRequest(requestId)).result;
    expectValidDto("ConnectorRequest", completed);
    expect(completed.status).toBe("Completed");
    expect(completed.response?.content.result).toBe("Accepted");
    for (const m of (await a.messages.getMessages({})).result) expectValidDto("ConnectorMessage", m);
  });

  it("raises on A the events of §4.3 in order", () => {
    expect(flowEvents(0).map(describeEvent)).toEqual(consentEventsAtA);
  });

  it("raises on B the events of §4.3 in order", () => {
    expect(flowEvents(1).map(describeEvent)).toEqual(consentEventsAtB);
  });

  it("posts each event once with its trigger, ApiKey, valid data and the raising call's correlation id", async () => {
    for (const [index, receiver] of receivers.entries()) {
      const raised = sim.connectors[index]!.events();
      await receiver.waitFor((received) => received.length === raised.length);
      const posted = receiver.received.slice(postsBefore[index]);
      for (const post of posted) {
        expect(post.headers["x-api-key"]).toBe(`k-${index}`);
        expectValidEventData(post.body.trigger, post.body.data);
      }
      const expected = flowEvents(index).map((e) => `${e.namespace} ${e.correlationId}`);
      const actual = posted.map((p) => `${p.body.trigger} ${String(p.headers["x-correlation-id"])}`);
      expect(actual.sort()).toEqual(expected.sort());
    }
    // One API call, one correlation id: the accept on B raised its decision, answer and completion.
    const acceptEvents = flowEvents(1).slice(5);
    expect(new Set(acceptEvents.map((e) => e.correlationId)).size).toBe(1);
  });

  it("honours x-correlation-id sent with an API call", async () => {
    const { baseUrl, apiKey, address } = sim.connectors[0]!;
    const response = await fetch(`${baseUrl}/api/v2/Requests/Outgoing`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json", "x-correlation-id": "corr-123" },
      body: JSON.stringify({
        content: { items: [{ "@type": "ConsentRequestItem", mustBeAccepted: false, consent: "x" }] },
        peer: sim.connectors[1]!.address,
      }),
    });
    expect(response.status).toBe(201);
    await receivers[0]!.waitFor((received) =>
      received.some((p) => p.headers["x-correlation-id"] === "corr-123"),
    );
    expect(sim.connectors[0]!.events().at(-1)).toMatchObject({
      correlationId: "corr-123",
      eventTargetAddress: address,
    });
  });
});

describe("consent flow rejected by B, driven by @nmshd/connector-sdk", () => {
  it("completes A's Request with B's rejection, with valid DTOs and the events of §4.3", async () => {
    const seqAtStart = sim.connectors.map((c) => c.connector.bus.lastSeq);
    const addressB = sim.connectors[1]!.address;
    const created = (
      await a.outgoingRequests.createRequest({
        content: { items: [{ "@type": "ConsentRequestItem", mustBeAccepted: true, consent: "Survey?" }] },
        peer: addressB,
      })
    ).result;
    await a.messages.sendMessage({ recipients: [addressB], content: created.content });
    await b.account.sync();

    const rejected = (await b.incomingRequests.reject(created.id, { items: [{ accept: false }] })).result;
    expectValidDto("ConnectorRequest", rejected);
    expect(rejected).toMatchObject({
      status: "Decided",
      response: {
        content: { result: "Rejected", items: [{ "@type": "RejectResponseItem", result: "Rejected" }] },
      },
    });
    const completedAtB = (await b.incomingRequests.getRequest(created.id)).result;
    expectValidDto("ConnectorRequest", completedAtB);
    expect(completedAtB.status).toBe("Completed");

    await a.account.sync();
    const completed = (await a.outgoingRequests.getRequest(created.id)).result;
    expectValidDto("ConnectorRequest", completed);
    expect(completed.status).toBe("Completed");
    expect(completed.response?.content.result).toBe("Rejected");

    const raisedSinceStart = (index: number) =>
      sim.connectors[index]!.events(seqAtStart[index]).map(describeEvent);
    expect(raisedSinceStart(0)).toEqual(consentEventsAtA);
    expect(raisedSinceStart(1)).toEqual(consentEventsAtB);
  });
});

describe("correlation ids of syncs", () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const mailToB = async () => {
    const addressB = sim.connectors[1]!.address;
    await a.messages.sendMessage({
      recipients: [addressB],
      content: { "@type": "Mail", to: [addressB], subject: "Hi", body: "Sync me" },
    });
  };

  it("gives the events a sync delivers the x-correlation-id of its POST Account/Sync, also on their POSTs", async () => {
    await mailToB();
    const { baseUrl, apiKey } = sim.connectors[1]!;
    const before = sim.connectors[1]!.connector.bus.lastSeq;
    const response = await fetch(`${baseUrl}/api/v2/Account/Sync`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "x-correlation-id": "sync-corr-1" },
    });
    expect(response.status).toBe(204);
    const delivered = sim.connectors[1]!.events(before);
    expect(delivered.map((e) => `${e.namespace} ${e.correlationId}`)).toEqual([
      "transport.messageReceived sync-corr-1",
      "consumption.messageProcessed sync-corr-1",
    ]);
    const postedWithIt = () =>
      receivers[1]!.received.filter((post) => post.headers["x-correlation-id"] === "sync-corr-1");
    await receivers[1]!.waitFor(() => postedWithIt().length === delivered.length);
    expect(
      postedWithIt()
        .map((post) => post.body.trigger)
        .sort(),
    ).toEqual(delivered.map((e) => e.namespace).sort());
  });

  it("gives each sync without the header a fresh correlation id of its own", async () => {
    const syncIds: string[] = [];
    for (let round = 0; round < 2; round++) {
      await mailToB();
      const before = sim.connectors[1]!.connector.bus.lastSeq;
      await b.account.sync();
      const delivered = sim.connectors[1]!.events(before);
      expect(delivered).toHaveLength(2);
      expect(new Set(delivered.map((e) => e.correlationId)).size).toBe(1);
      syncIds.push(delivered[0]!.correlationId!);
    }
    expect(syncIds[0]).toMatch(uuid);
    expect(syncIds[1]).toMatch(uuid);
    expect(syncIds[1]).not.toBe(syncIds[0]);
    // …and not the id of the call that sent the message either.
    const sentIds = sim.connectors[0]!.events()
      .filter((e) => e.namespace === "transport.messageSent")
      .map((e) => e.correlationId);
    expect(sentIds).not.toContain(syncIds[0]);
    expect(sentIds).not.toContain(syncIds[1]);
  });
});
