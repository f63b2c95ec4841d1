import { Writable } from "node:stream";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { CORRELATION_HEADER, registerCorrelationId } from "./correlation-id.ts";

/** An app whose one route logs a line; returns the lines written. */
async function appLogging() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ service: "test", level: "info" }, destination);
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true });
  registerCorrelationId(app);
  app.get("/", async (request) => {
    request.log.info("handled");
    return { correlationId: request.correlationId };
  });
  return { app, lines };
}

describe("registerCorrelationId", () => {
  it("logs the caller's id and fastify's request id on the request's lines, and echoes it", async () => {
    const { app, lines } = await appLogging();
    const response = await app.inject({ url: "/", headers: { [CORRELATION_HEADER]: "corr-7" } });
    expect(response.headers[CORRELATION_HEADER]).toBe("corr-7");
    expect(response.json()).toEqual({ correlationId: "corr-7" });
    const line = lines.find((l) => l.message === "handled");
    expect(line).toMatchObject({ correlationId: "corr-7", reqId: expect.any(String) });
  });

  it("replaces an unacceptable id by one fresh UUID, the same in the log, the request and the header", async () => {
    const { app, lines } = await appLogging();
    const response = await app.inject({ url: "/", headers: { [CORRELATION_HEADER]: "no spaces" } });
    const id = response.headers[CORRELATION_HEADER];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json()).toEqual({ correlationId: id });
    expect(lines.find((l) => l.message === "handled")?.correlationId).toBe(id);
  });
});
