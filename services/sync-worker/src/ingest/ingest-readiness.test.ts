import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { registerIngestReadiness } from "./ingest-readiness.ts";

const up = async () => true;
const down = async () => false;
const failing = async (): Promise<boolean> => {
  throw new Error("connection refused");
};

async function probe(checks: Record<string, () => Promise<boolean>>, shuttingDown = false) {
  const app = Fastify();
  registerIngestReadiness(app, { checks, isShuttingDown: () => shuttingDown });
  const response = await app.inject({ method: "GET", url: "/ready/ingest" });
  await app.close();
  return { status: response.statusCode, body: response.json() };
}

describe("GET /ready/ingest", () => {
  it.each([
    ["both up", up, up, 200, "ready"],
    ["Pub/Sub down (the outbox takes events)", up, down, 200, "ready"],
    ["Postgres down (cached credentials, Pub/Sub takes events)", down, up, 200, "ready"],
    ["Postgres check throws", failing, up, 200, "ready"],
    ["both down", down, failing, 503, "not-ready"],
  ] as const)("%s: %i", async (_case, database, pubsub, status, state) => {
    const result = await probe({ database, pubsub });
    expect(result.status).toBe(status);
    expect(result.body.status).toBe(state);
    expect(Object.keys(result.body.checks).sort()).toEqual(["database", "pubsub"]);
  });

  it("is 503 while shutting down, whatever the dependencies say", async () => {
    const result = await probe({ database: up, pubsub: up }, true);
    expect(result).toMatchObject({ status: 503, body: { status: "shutting-down" } });
  });

  it("reports each dependency", async () => {
    const result = await probe({ database: down, pubsub: up });
    expect(result.body.checks).toEqual({ database: "down", pubsub: "up" });
  });
});
