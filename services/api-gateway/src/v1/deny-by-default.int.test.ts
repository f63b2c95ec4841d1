import { createSecretBox } from "@event-hub/shared";
import Fastify, { type FastifyInstance } from "fastify";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";
import { registerV1Guards, type V1GuardDeps } from "./v1-api.ts";

const ok = async () => ({ result: "should never be served" });

/** Deny by default at start-up: an undeclared /v1 route stops the app instead of serving openly. */
describe("a /v1 route that could skip authorization stops start-up", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  /** A fresh app whose /v1 plugin has the gateway's guards and then declares `declare`. */
  async function startWithV1Route(declare: (v1: FastifyInstance) => void): Promise<FastifyInstance> {
    const deps: V1GuardDeps = {
      db: harness.db,
      secrets: createSecretBox({ key: randomBytes(32).toString("base64") }),
      apiKeyHeader: "x-api-key",
      adminApiKey: "admin-key-for-this-test-only-000000",
      rateLimit: { ratePerSecond: 10, burst: 10 },
      idempotencyRetentionHours: 1,
      idempotencyInProgressSeconds: 60,
    };
    const app = Fastify();
    await app.register(async (v1) => {
      registerV1Guards(v1, deps);
      declare(v1);
    });
    return app;
  }

  it.each([
    ["no config", (v1: FastifyInstance) => v1.get("/v1/open", ok)],
    ["an empty scope", (v1: FastifyInstance) => v1.get("/v1/open", { config: { scope: "" } }, ok)],
    ["public: false", (v1: FastifyInstance) => v1.get("/v1/open", { config: { public: false } }, ok)],
    ["a path outside /v1/", (v1: FastifyInstance) => v1.get("/open", { config: { scope: "a:b" } }, ok)],
  ])("inside the /v1 plugin, a route with %s", async (_name, declare) => {
    await expect(startWithV1Route(declare)).rejects.toThrow(/refusing to start/);
  });

  it("serves a declared route only with a key, and a public one without", async () => {
    const app = await startWithV1Route((v1) => {
      v1.get("/v1/declared", { config: { scope: "things:read" } }, ok);
      v1.get("/v1/public", { config: { public: true } }, async (request) => ({ who: request.principal.id }));
    });
    expect((await app.inject({ url: "/v1/declared" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/v1/public" })).json()).toEqual({ who: "anonymous" });
    await app.close();
  });

  it("outside the plugin, any route under /v1 (in any case) refuses to be declared on the built app", () => {
    for (const url of ["/v1/sneaky", "/V1/sneaky"]) {
      expect(() => harness.app.get(url, { config: { scope: "a:b" } }, ok)).toThrow(/outside the \/v1 plugin/);
    }
  });
});
