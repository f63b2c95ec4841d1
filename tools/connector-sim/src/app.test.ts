import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectValidDto } from "../test/sdk-schemas.ts";
import { buildConnectorApp } from "./app.ts";
import { Backbone } from "./backbone.ts";
import { SimConnector } from "./connector/connector.ts";
import { createLogger } from "./logger.ts";
import type { AdminControl } from "./routes/admin.ts";
import { WebhooksModule } from "./webhooks/webhooks-module.ts";

// Bad requests get the Connector's error envelope and status (connector test/errors.test.ts).
const apiKey = "test-key";
let app: FastifyInstance;
let connector: SimConnector;

beforeAll(async () => {
  const logger = createLogger("silent");
  connector = new SimConnector({ name: "c1", apiKey, backbone: new Backbone(), logger });
  const webhooks = new WebhooksModule({ bus: connector.bus, logger, redirectOrigin: () => undefined });
  const control: AdminControl = {
    connector,
    webhooks,
    setWebhooks: (config) => webhooks.configure(config),
    setFaults: (faults) => Object.assign(connector.faults, faults),
    startLoad: () => {},
    stopLoad: () => {},
    runScenario: async () => undefined,
  };
  app = await buildConnectorApp(control);
});

afterAll(() => app.close());

type Call = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  key?: string | null;
  headers?: Record<string, string>;
  payload?: unknown;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by schema
async function call(options: Call): Promise<{ status: number; body: any }> {
  const { key = apiKey, headers = {}, ...rest } = options;
  const response = await app.inject({
    ...rest,
    payload: rest.payload as string | object | undefined,
    headers: { ...(key === null ? {} : { "x-api-key": key }), ...headers },
  });
  return { status: response.statusCode, body: response.body ? response.json() : undefined };
}

function expectError(
  response: { status: number; body: { error?: unknown } },
  status: number,
  code: string,
): void {
  expect(response.status).toBe(status);
  expectValidDto("ConnectorError", response.body.error);
  expect(response.body.error).toMatchObject({
    code,
    docs: `https://enmeshed.eu/integrate/error-codes#${code}`,
  });
  expect((response.body.error as { id: string }).id).toMatch(/^ERR[A-HJ-NP-Z2-9]{17}$/);
}

describe("error envelopes", () => {
  it.each([
    ["without a key", null, "/api/v2/Messages"],
    ["with a wrong key", "wrong", "/api/core/v1/Messages"],
    ["on an unknown route without a key", null, "/apii/v2/Files"],
  ])("401 %s", async (_, key, url) => {
    expectError(await call({ method: "GET", url, key }), 401, "error.connector.unauthorized");
  });

  it("/health needs no key", async () => {
    expect((await call({ method: "GET", url: "/health", key: null })).status).toBe(200);
  });

  it("404 for an unknown route", async () => {
    expectError(
      await call({ method: "GET", url: "/apii/v2/Files" }),
      404,
      "error.connector.http.routeDoesNotExist",
    );
  });

  it.each([
    ["/api/v2/Messages", "PATCH"],
    ["/api/core/v1/Account/Sync", "GET"],
    ["/api/v2/Relationships/REL00000000000000000/Accept", "POST"],
  ] as const)("405 for %s with %s", async (url, method) => {
    expectError(await call({ method, url }), 405, "error.connector.http.methodNotAllowed");
  });

  it.each([
    "/api/v2/Messages/MSGxxxxxxxxxxxxxxxxx",
    "/api/core/v1/Relationships/RELxxxxxxxxxxxxxxxxx",
    "/api/v2/Requests/Incoming/REQxxxxxxxxxxxxxxxxx",
    "/api/v2/RelationshipTemplates/RLTxxxxxxxxxxxxxxxxx",
  ])("404 recordNotFound for an unknown id: %s", async (url) => {
    expectError(await call({ method: "GET", url }), 404, "error.runtime.recordNotFound");
  });

  it("404 recordNotFound when accepting an unknown relationship", async () => {
    const response = await call({ method: "PUT", url: "/api/v2/Relationships/RELxxxxxxxxxxxxxxxxx/Accept" });
    expectError(response, 404, "error.runtime.recordNotFound");
  });

  it("400 invalidPropertyValue with the runtime's validation message", async () => {
    const response = await call({ method: "POST", url: "/api/v2/Requests/Outgoing", payload: { peer: "x" } });
    expectError(response, 400, "error.runtime.validation.invalidPropertyValue");
    expect(response.body.error.message).toBe("must have required property 'content'");
    const extra = await call({
      method: "POST",
      url: "/api/v2/Messages",
      payload: { recipients: ["a"], content: { "@type": "Mail" }, unknown: 1 },
    });
    expectError(extra, 400, "error.runtime.validation.invalidPropertyValue");
    expect(extra.body.error.message).toBe("must NOT have additional properties");
  });

  it("400 for a body-less create (the body counts as {})", async () => {
    expectError(
      await call({ method: "POST", url: "/api/v2/Messages" }),
      400,
      "error.runtime.validation.invalidPropertyValue",
    );
  });

  it("400 invalidJsonInPayload for broken JSON", async () => {
    const response = await call({
      method: "POST",
      url: "/api/core/v1/Messages",
      headers: { "content-type": "application/json" },
      payload: "{nope",
    });
    expectError(response, 400, "error.connector.validation.invalidJsonInPayload");
  });

  it("400 with the runtime's code for a business rule (no active relationship)", async () => {
    const response = await call({
      method: "POST",
      url: "/api/v2/Messages",
      payload: {
        recipients: ["did:e:x:dids:00"],
        content: { "@type": "Mail", to: ["did:e:x:dids:00"], subject: "s", body: "b" },
      },
    });
    expectError(response, 400, "error.runtime.messages.hasNoActiveRelationship");
  });

  it("400 with the webhooks module's code for an invalid webhooks config", async () => {
    const response = await call({
      method: "PUT",
      url: "/sim/webhooks",
      payload: { webhooks: [{ triggers: ["**"], target: "missing" }] },
    });
    expectError(response, 400, "error.runtime.modules.webhooks.invalidTargetReference");
    const unknownType = await call({
      method: "PUT",
      url: "/sim/webhooks",
      payload: {
        webhooks: [{ triggers: ["**"], target: { url: "http://x", authentication: { type: "Basic" } } }],
      },
    });
    expectError(unknownType, 400, "error.runtime.modules.webhooks.invalidAuthenticationConfig");
  });
});

describe("account", () => {
  it("syncs with 204 and reports the sync in SyncInfo", async () => {
    const sync = await call({ method: "POST", url: "/api/v2/Account/Sync" });
    expect(sync.status).toBe(204);
    const info = await call({ method: "GET", url: "/api/v2/Account/SyncInfo" });
    expectValidDto("ConnectorSyncInfo", info.body.result);
    expect(info.body.result.lastSyncRun.completedAt).toBeTypeOf("string");
    const identity = await call({ method: "GET", url: "/api/core/v1/Account/IdentityInfo" });
    expectValidDto("IdentityInfo", identity.body.result);
  });
});
