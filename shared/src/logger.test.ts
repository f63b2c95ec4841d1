import { Writable } from "node:stream";
import fastify from "fastify";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

/** A destination that keeps every JSON line. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("writes Cloud Logging fields: message, severity, ISO time, serviceContext", () => {
    const { lines, stream } = capture();
    createLogger({ service: "sync-worker", level: "info", version: "1.2.3" }, stream).info(
      { connectorId: "con_1" },
      "synced",
    );
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      message: "synced",
      severity: "INFO",
      serviceContext: { service: "sync-worker", version: "1.2.3" },
      connectorId: "con_1",
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
    expect(line).not.toHaveProperty("level");
    expect(line).not.toHaveProperty("msg");
  });

  it("leaves version out when unknown", () => {
    const { lines, stream } = capture();
    createLogger({ service: "api-gateway", level: "info" }, stream).info("up");
    expect(lines[0]?.serviceContext).toEqual({ service: "api-gateway" });
  });

  it.each([
    ["trace", "DEBUG"],
    ["debug", "DEBUG"],
    ["info", "INFO"],
    ["warn", "WARNING"],
    ["error", "ERROR"],
    ["fatal", "CRITICAL"],
  ] as const)("maps %s to severity %s", (level, severity) => {
    const { lines, stream } = capture();
    createLogger({ service: "s", level: "trace" }, stream)[level]("m");
    expect(lines[0]?.severity).toBe(severity);
  });

  it("drops entries below the level", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: "s", level: "warn" }, stream);
    logger.info("hidden");
    logger.warn("shown");
    expect(lines.map((line) => line.message)).toEqual(["shown"]);
  });

  it("redacts API keys, authorization headers and secret-named fields", () => {
    const { lines, stream } = capture();
    createLogger({ service: "s", level: "info" }, stream).info(
      {
        req: { method: "GET", headers: { "x-api-key": "k1", authorization: "Bearer t", accept: "json" } },
        request: { headers: { authorization: "Basic x" } },
        secret: "s0",
        webhook: {
          url: "https://example.com",
          secret: "s1",
          authentication: { apiKey: "k2", clientSecret: "c" },
        },
        target: { password: "p", key: "k3" },
      },
      "m",
    );
    const line = lines[0];
    expect(line).toMatchObject({
      req: {
        method: "GET",
        headers: { "x-api-key": "[redacted]", authorization: "[redacted]", accept: "json" },
      },
      request: { headers: { authorization: "[redacted]" } },
      secret: "[redacted]",
      webhook: {
        url: "https://example.com",
        secret: "[redacted]",
        authentication: { apiKey: "[redacted]", clientSecret: "[redacted]" },
      },
      target: { password: "[redacted]", key: "[redacted]" },
    });
    expect(JSON.stringify(line)).not.toMatch(/k1|Bearer|s0|s1|k2|"c"|"p"|k3/);
  });

  it("serves as fastify's loggerInstance", async () => {
    const { lines, stream } = capture();
    const app = fastify({ loggerInstance: createLogger({ service: "api-gateway", level: "info" }, stream) });
    app.get("/hello", async (request) => {
      request.log.info("inside");
      return { ok: true };
    });
    const response = await app.inject({ url: "/hello", headers: { "x-api-key": "secret-key" } });
    expect(response.statusCode).toBe(200);
    await app.close();
    expect(lines.find((line) => line.message === "inside")).toMatchObject({
      severity: "INFO",
      reqId: expect.any(String),
    });
    expect(lines.find((line) => line.message === "request completed")).toMatchObject({
      res: { statusCode: 200 },
    });
    expect(JSON.stringify(lines)).not.toContain("secret-key");
  });
});
