import { Writable } from "node:stream";
import fastify from "fastify";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../logger.ts";
import { createQuietLogController, registerRequestLogging } from "./request-logging.ts";

type Line = { severity: string; message: string; httpRequest?: Record<string, unknown> };

async function logsOf(url: string, level: "info" | "debug" = "info"): Promise<Line[]> {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = fastify({
    loggerInstance: createLogger({ service: "test", level }, stream),
    logController: createQuietLogController(),
  });
  registerRequestLogging(app);
  app.get("/health", async () => ({ ok: true }));
  app.get("/ready/ingest", async () => ({ ok: true }));
  app.get("/v1/things", async () => ({ result: [] }));
  app.get("/broken", async (_request, reply) => reply.code(503).send({ error: "down" }));
  await app.inject({ method: "GET", url, headers: { "user-agent": "probe/1", "x-api-key": "k-secret" } });
  await app.close();
  return lines;
}

describe("registerRequestLogging", () => {
  it("writes one line per request with Cloud Logging's httpRequest fields", async () => {
    const lines = await logsOf("/v1/things?status=failed");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: "INFO",
      message: "request completed",
      httpRequest: {
        requestMethod: "GET",
        requestUrl: "/v1/things?status=failed",
        status: 200,
        userAgent: "probe/1",
        remoteIp: "127.0.0.1",
      },
    });
    expect(lines[0]?.httpRequest?.latency).toMatch(/^\d+\.\d{3}s$/);
    expect(JSON.stringify(lines)).not.toContain("k-secret");
  });

  it("keeps probes out of INFO", async () => {
    expect(await logsOf("/health")).toEqual([]);
    expect((await logsOf("/health", "debug")).map((line) => line.severity)).toEqual(["DEBUG"]);
    expect(await logsOf("/ready/ingest")).toEqual([]);
  });

  it("raises the level with the status: 4xx WARNING, 5xx ERROR", async () => {
    expect((await logsOf("/missing")).map((line) => line.severity)).toEqual(["WARNING"]);
    expect((await logsOf("/broken")).map((line) => line.severity)).toEqual(["ERROR"]);
  });
});

describe("createQuietLogController", () => {
  it("turns fastify's own request lines off without its deprecation warning (FSTDEP023)", async () => {
    const emitWarning = vi.spyOn(process, "emitWarning");
    try {
      // A 404 would add fastify's "Route … not found" line, a 200 its "incoming request".
      expect(await logsOf("/missing")).toHaveLength(1);
      expect(await logsOf("/v1/things")).toHaveLength(1);
      expect(JSON.stringify(emitWarning.mock.calls)).not.toContain("FSTDEP023");
    } finally {
      emitWarning.mockRestore();
    }
  });
});
