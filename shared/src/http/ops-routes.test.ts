import fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createMetricsRegistry, registerOpsRoutes, type OpsRoutesOptions } from "./ops-routes.ts";

const apps: Array<ReturnType<typeof fastify>> = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function buildApp(options: Partial<Omit<OpsRoutesOptions, "registry">> = {}) {
  const app = fastify();
  apps.push(app);
  registerOpsRoutes(app, {
    service: "test-service",
    checks: {},
    registry: createMetricsRegistry("test-service"),
    ...options,
  });
  return app;
}

const up = async (): Promise<boolean> => true;
const down = async (): Promise<boolean> => false;

describe("GET /ready", () => {
  it("answers 200 ready, with no retry-after, when every check is up", async () => {
    const app = buildApp({ checks: { postgres: up, pubsub: up } });
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready", checks: { postgres: "up", pubsub: "up" } });
    expect(response.headers["retry-after"]).toBeUndefined();
  });

  it("answers 503 not-ready with retry-after when a check returns false, naming the one down", async () => {
    const app = buildApp({ checks: { postgres: up, pubsub: down } });
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.json()).toEqual({ status: "not-ready", checks: { postgres: "up", pubsub: "down" } });
  });

  it("gives the reason a check reports for being down", async () => {
    const reason = "the subscription does not exist; re-creating it (PUBSUB_PROVISION)";
    const app = buildApp({ checks: { subscription: async () => ({ reason }), pubsub: up } });
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: "not-ready",
      checks: { subscription: "down", pubsub: "up" },
      reasons: { subscription: reason },
    });
  });

  it("reports a check that throws as down, not as a 500", async () => {
    const app = buildApp({
      checks: {
        postgres: async () => {
          throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        },
        pubsub: up,
      },
    });
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.json()).toEqual({ status: "not-ready", checks: { postgres: "down", pubsub: "up" } });
    expect(response.body).not.toContain("ECONNREFUSED");
  });

  it("answers 503 shutting-down once shutdown began, though every check is up", async () => {
    let isShuttingDown = false;
    const app = buildApp({ checks: { postgres: up }, isShuttingDown: () => isShuttingDown });
    expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    isShuttingDown = true;
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.json()).toEqual({ status: "shutting-down", checks: { postgres: "up" } });
  });

  it("says shutting-down rather than not-ready when both hold", async () => {
    const app = buildApp({ checks: { postgres: down }, isShuttingDown: () => true });
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: "shutting-down", checks: { postgres: "down" } });
  });
});

describe("GET /health", () => {
  it("answers 200 with the service name even when a readiness check is down", async () => {
    const app = buildApp({ checks: { postgres: down } });
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ok", service: "test-service" });
  });
});
