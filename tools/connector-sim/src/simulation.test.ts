import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectValidDto, expectValidEventData, expectValidEvents } from "../test/sdk-schemas.ts";
import { WebhookReceiver } from "../test/webhook-receiver.ts";
import type { OnboardingResult } from "./scenarios/onboarding.ts";
import { createScenarioClient, type ScenarioClient } from "./scenarios/scenario-client.ts";
import { startSimulation, type Simulation } from "./simulation.ts";

// Faults, the admin endpoint, scenarios from tests and the load mode, against a running simulation.
let sim: Simulation;
const receiver = new WebhookReceiver();
let a: ScenarioClient;
let b: ScenarioClient;

beforeAll(async () => {
  await receiver.start();
  sim = await startSimulation({ connectors: 4, logLevel: "silent" });
  const [first, second] = sim.connectors;
  a = await createScenarioClient(first!.baseUrl, first!.apiKey);
  b = await createScenarioClient(second!.baseUrl, second!.apiKey);
});

afterAll(async () => {
  try {
    // Whatever raised them (message-exchange, consent, faults, transitions, load): all valid.
    for (const connector of sim.connectors) expectValidEvents(connector.events());
  } finally {
    await sim.stop();
    await receiver.stop();
  }
});

// Admin answers are read ad hoc, hence `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; body: any };

async function admin(index: number, method: string, path: string, body?: unknown): Promise<Answer> {
  const { baseUrl, apiKey } = sim.connectors[index]!;
  const response = await fetch(baseUrl + path, {
    method,
    headers: { "x-api-key": apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}

const sync = (index: number) => admin(index, "POST", "/api/v2/Account/Sync");

describe("scenarios", () => {
  it("runs message-exchange through the admin endpoint (onboarding first when needed)", async () => {
    const result = await admin(0, "POST", "/sim/scenarios/message-exchange");
    expect(result.status).toBe(200);
    expect(result.body.result.messageIds).toHaveLength(2);
    const namespaces = sim.connectors[1]!.events().map((e) => e.namespace);
    expect(namespaces.filter((n) => n === "transport.messageReceived")).toHaveLength(1);
    expect(namespaces.filter((n) => n === "transport.messageSent")).toHaveLength(1);
  });

  it("runs consent from tests and reports an unknown scenario", async () => {
    await expect(sim.runScenario("consent")).resolves.toMatchObject({
      status: "Completed",
      result: "Accepted",
    });
    expect((await admin(0, "POST", "/sim/scenarios/nope")).body.error.code).toBe("error.sim.unknownScenario");
  });

  it("says why onboarding cannot run after consent: A and B already share a relationship", async () => {
    // consent (above) onboarded A and B; onboarding again would get no Request from the template.
    const again = await admin(0, "POST", "/sim/scenarios/onboarding");
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("error.sim.scenarioPrecondition");
    expect(again.body.error.message).toMatch(
      /already share Active relationship REL\w+.*run consent or message-exchange/,
    );
  });

  it("answers a scenario's failure with what failed, not a bare 500", async () => {
    sim.connectors[3]!.setFaults({ sync: "error" });
    try {
      const failed = await admin(2, "POST", "/sim/scenarios/onboarding"); // A = 2, B = 3: B's sync fails
      expect(failed.status).toBe(500);
      expect(failed.body.error.code).toBe("error.sim.scenarioFailed");
      expect(failed.body.error.message).toContain("scenario 'onboarding': POST /Account/Sync → 500");
    } finally {
      sim.connectors[3]!.setFaults({ sync: "ok" });
    }
  });
});

describe("scenarios over /api/core/v1 (Connector 7)", () => {
  it("onboard and ask for consent, answered in Connector 7's shapes", async () => {
    // Connector 3 takes part only here; the other tests use 0, 1 and 2.
    const core = { a: 1, b: 3, apiPrefix: "/api/core/v1" };
    const onboarded = (await sim.runScenario("onboarding", core)) as OnboardingResult;
    await expect(sim.runScenario("consent", core)).resolves.toMatchObject({
      status: "Completed",
      result: "Accepted",
    });
    const [templator, requestor] = await Promise.all(
      [core.a, core.b].map((i) =>
        createScenarioClient(sim.connectors[i]!.baseUrl, sim.connectors[i]!.apiKey, core.apiPrefix),
      ),
    );
    for (const [client, peer] of [
      [templator!, requestor!.address],
      [requestor!, templator!.address],
    ] as const) {
      const relationships = await client.call<unknown[]>("GET", `/Relationships?peer=${peer}`);
      const byId = await client.call("GET", `/Relationships/${onboarded.relationshipId}`);
      expect(relationships).toEqual([byId]);
      expect(byId).toMatchObject({ templateId: onboarded.templateId, status: "Active" });
      expect(byId).not.toHaveProperty("template");

      const template = await client.call("GET", `/RelationshipTemplates/${onboarded.templateId}`);
      expect(template).toMatchObject({
        reference: { truncated: expect.stringMatching(/^UkxU/), url: expect.stringMatching(/^https?:\/\//) },
      });
      expect(template).not.toHaveProperty("truncatedReference");

      // Requests and messages are shaped alike in 6.x and 7.x, so the SDK's schemas apply.
      const requests = [
        ...(await client.call<unknown[]>("GET", `/Requests/Outgoing?peer=${peer}`)),
        ...(await client.call<unknown[]>("GET", `/Requests/Incoming?peer=${peer}`)),
      ];
      expect(requests).toHaveLength(2); // onboarding's and consent's
      for (const request of requests) expectValidDto("ConnectorRequest", request);
      for (const message of await client.call<unknown[]>("GET", `/Messages?createdBy=${peer}`))
        expectValidDto("ConnectorMessage", message);
    }
    const own = await templator!.call<unknown[]>(
      "GET",
      `/RelationshipTemplates/Own?id=${onboarded.templateId}`,
    );
    expect(own).toEqual([expect.objectContaining({ isOwn: true, reference: expect.any(Object) })]);
    expect(own[0]).not.toHaveProperty("truncatedReference");
  });
});

describe("faults", () => {
  it("a failing sync answers 500 and leaves the events on the Backbone", async () => {
    sim.connectors[1]!.setFaults({ sync: "error" });
    await a.call("POST", "/Messages", {
      recipients: [b.address],
      content: { "@type": "ArbitraryMessageContent", value: 1 },
    });
    const failed = await sync(1);
    expect(failed.status).toBe(500);
    expect(failed.body.error.code).toBe("error.platform.unexpected");
    sim.connectors[1]!.clearFaults();
    const before = sim.connectors[1]!.connector.bus.lastSeq;
    expect((await sync(1)).status).toBe(204);
    expect(sim.connectors[1]!.events(before).map((e) => e.namespace)).toEqual([
      "transport.messageReceived",
      "consumption.messageProcessed",
    ]);
  });

  it("a slow sync answers after the delay; a hanging one only when the fault is cleared", async () => {
    expect((await admin(1, "PUT", "/sim/faults", { syncDelayMs: 150 })).body.result.syncDelayMs).toBe(150);
    const started = Date.now();
    await sync(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await admin(1, "PUT", "/sim/faults", { syncDelayMs: 0, sync: "hang" });
    let answered = false;
    const hanging = sync(1).then((r) => ((answered = true), r));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(false);
    await admin(1, "PUT", "/sim/faults", { sync: "ok" });
    expect((await hanging).status).toBe(204);
  });

  it("webhooks to a dead port fail once, unretried, while the API keeps working", async () => {
    await admin(0, "PUT", "/sim/webhooks", {
      webhooks: [{ triggers: ["**"], target: { url: `${receiver.url}/hook` } }],
    });
    await admin(0, "PUT", "/sim/faults", { webhooksToDeadPort: true });
    await a.call("POST", "/Messages", {
      recipients: [b.address],
      content: { "@type": "ArbitraryMessageContent", value: 2 },
    });
    await expect
      .poll(async () => (await admin(0, "GET", "/sim/webhooks/deliveries")).body.result.length)
      .toBe(1);
    const [delivery] = (await admin(0, "GET", "/sim/webhooks/deliveries")).body.result;
    expect(delivery).toMatchObject({ trigger: "transport.messageSent" });
    expect(delivery.error).toBeTypeOf("string");
    expect(receiver.received).toHaveLength(0);
    await admin(0, "PUT", "/sim/faults", { webhooksToDeadPort: false });
  });
});

describe("relationship transitions", () => {
  type Relationship = { id: string; status: string; auditLog: { reason: string }[] };
  // Every answer of a transition is a whole relationship the SDK's schema must accept.
  const transition = async (client: ScenarioClient, id: string, action: string): Promise<Relationship> => {
    const relationship = await client.call<Relationship>("PUT", `/Relationships/${id}/${action}`);
    expectValidDto("ConnectorRelationship", relationship);
    return relationship;
  };

  it("rejects, revokes and terminates with audit logs, valid DTOs and the transport's errors", async () => {
    const c = await createScenarioClient(sim.connectors[2]!.baseUrl, sim.connectors[2]!.apiKey);
    const offer = () =>
      a.call<{ id: string; truncatedReference: string }>("POST", "/RelationshipTemplates/Own", {
        content: { "@type": "ArbitraryRelationshipTemplateContent", value: { hello: true } },
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      });
    const request = async () => {
      const template = await offer();
      await c.call("POST", "/RelationshipTemplates/Peer", { reference: template.truncatedReference });
      const rel = await c.call<{ id: string }>("POST", "/Relationships", {
        templateId: template.id,
        creationContent: { "@type": "ArbitraryRelationshipCreationContent", value: {} },
      });
      await sync(0);
      return rel.id;
    };
    const first = await request();
    await expect(c.call("PUT", `/Relationships/${first}/Accept`)).rejects.toThrow(
      /operationOnlyAllowedForPeer/,
    );
    const rejected = await transition(a, first, "Reject");
    expect(rejected.auditLog.map((e) => e.reason)).toEqual(["Creation", "RejectionOfCreation"]);
    const second = await request();
    expect((await transition(c, second, "Revoke")).status).toBe("Revoked");
    const third = await request();
    await transition(a, third, "Accept");
    await expect(a.call("PUT", `/Relationships/${third}/Accept`)).rejects.toThrow(/wrongRelationshipStatus/);
    const terminated = await transition(a, third, "Terminate");
    expect(terminated.status).toBe("Terminated");
    expect(terminated.auditLog.map((e) => e.reason)).toEqual([
      "Creation",
      "AcceptanceOfCreation",
      "Termination",
    ]);
    await sync(2);
    const atC = await c.call<Relationship>("GET", `/Relationships/${third}`);
    expectValidDto("ConnectorRelationship", atC);
    expect(atC.status).toBe("Terminated");
    const processed = sim.connectors[2]!.events().filter(
      (e) => e.namespace === "consumption.relationshipTemplateProcessed",
    );
    expect(processed.map((e) => (e.data as { result: string }).result)).toEqual([
      "NoRequest",
      "NoRequest",
      "NoRequest",
    ]);

    const own = await a.call<{ id: string }[]>("GET", "/RelationshipTemplates/Own");
    expect(own.length).toBeGreaterThanOrEqual(3);
    for (const template of own) expectValidDto("ConnectorRelationshipTemplate", template);
    const byId = await a.call<{ id: string; isOwn: boolean }>("GET", `/RelationshipTemplates/${own[0]!.id}`);
    expectValidDto("ConnectorRelationshipTemplate", byId);
    expect(byId).toEqual(own[0]);
  });
});

describe("load", () => {
  it("raises N events per second of the chosen mix, with valid data", async () => {
    const target = sim.connectors[0]!;
    const before = target.connector.bus.lastSeq;
    // 400/s for 0.25 s is exactly 100 events, however late the timer ticks on a busy machine.
    target.startLoad({
      eventsPerSecond: 400,
      mix: { "transport.messageReceived": 1, "transport.messageSent": 1, "consumption.messageProcessed": 1 },
      durationSeconds: 0.25,
    });
    await expect.poll(() => target.events(before).length, { timeout: 5_000 }).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 100));
    target.stopLoad();
    const raised = target.events(before);
    expect(raised).toHaveLength(100);
    for (const event of raised) expectValidEventData(event.namespace, event.data);
    expect(new Set(raised.map((e) => e.namespace)).size).toBe(3);
  });

  it.each([
    "consumption.outgoingRequestStatusChanged",
    "consumption.incomingRequestReceived",
    "consumption.incomingRequestStatusChanged",
  ])("synthesizes %s with valid data and stored records", async (namespace) => {
    const target = sim.connectors[0]!;
    const before = target.connector.bus.lastSeq;
    // 100/s for 0.05 s is exactly 5 events, however the timer ticks.
    target.startLoad({ eventsPerSecond: 100, mix: { [namespace]: 1 }, durationSeconds: 0.05 });
    await expect.poll(() => target.events(before).length, { timeout: 5_000 }).toBe(5);
    for (const event of target.events(before)) {
      expect(event.namespace).toBe(namespace);
      expectValidEventData(namespace, event.data);
      const data = event.data as { id?: string; request?: { id: string } };
      const requestId = data.request?.id ?? data.id!;
      const direction = namespace.startsWith("consumption.outgoing") ? "Outgoing" : "Incoming";
      const stored = await a.call<{ source: { reference: string } }>(
        "GET",
        `/Requests/${direction}/${requestId}`,
      );
      await a.call("GET", `/Messages/${stored.source.reference}`);
    }
  });

  it("refuses a namespace it cannot synthesize", async () => {
    const response = await admin(0, "POST", "/sim/load", {
      eventsPerSecond: 1,
      mix: { "transport.nope": 1 },
    });
    expect(response.status).toBe(400);
  });
});

describe("sync requests in flight", () => {
  it("counts open POST …/Account/Sync until answered or abandoned, and keeps the most at once", async () => {
    const third = sim.connectors[2]!;
    third.setFaults({ sync: "hang" });
    const abandoned = new AbortController();
    const post = (signal?: AbortSignal) =>
      fetch(`${third.baseUrl}/api/v2/Account/Sync`, {
        method: "POST",
        headers: { "x-api-key": third.apiKey },
        signal,
      });
    const first = post(abandoned.signal).catch(() => undefined);
    const second = post();
    await expect.poll(() => third.syncRequests().inFlight).toBe(2);
    abandoned.abort();
    await first;
    await expect.poll(() => third.syncRequests().inFlight).toBe(1);
    third.clearFaults();
    expect((await second).status).toBe(204); // released by clearing the fault
    await expect.poll(() => third.syncRequests()).toStrictEqual({ inFlight: 0, maxInFlight: 2 });
    expect((await admin(2, "GET", "/sim/info")).body.result.syncRequests).toStrictEqual({
      inFlight: 0,
      maxInFlight: 2,
    });
    expect(sim.syncRequests().maxInFlight).toBeGreaterThanOrEqual(2);
  });
});
