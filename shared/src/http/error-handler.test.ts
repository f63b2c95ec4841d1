import { Writable } from "node:stream";
import fastify from "fastify";
import type { InjectOptions } from "fastify";
import { Type } from "typebox";
import { afterEach, describe, expect, it } from "vitest";
import { AppError, notFound } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { registerErrorHandling } from "./error-handler.ts";

const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
    done();
  },
});

function buildApp() {
  const app = fastify({
    loggerInstance: createLogger({ service: "test", level: "info" }, logStream),
    bodyLimit: 1024,
  });
  registerErrorHandling(app);
  app.get("/webhooks/:id", async () => {
    throw notFound("error.hub.webhookNotFound", "Webhook whk_1 not found.");
  });
  app.get("/conflict", async () => {
    throw new AppError("error.hub.connectorExists", "exists", 409, {
      details: "unique violation on connectors_pkey",
    });
  });
  app.get("/unavailable", async () => {
    throw new AppError("error.hub.connectorUnreachable", "The Connector did not answer.", 503);
  });
  app.get("/crash", async () => {
    throw new Error("connect ECONNREFUSED 10.0.0.7:5432 password=hunter2");
  });
  app.get("/teapot", async () => {
    throw Object.assign(new Error("short and stout"), { statusCode: 418 });
  });
  app.get("/rate-limited", async () => {
    throw Object.assign(new Error("Rate limit exceeded, retry in 1 minute"), { statusCode: 429 });
  });
  app.get("/thrown-string", async () => {
    throw "just a string";
  });
  app.post(
    "/webhooks",
    {
      schema: {
        body: Type.Object({ url: Type.String({ format: "uri" }), triggers: Type.Array(Type.String()) }),
      },
    },
    async () => ({ result: "created" }),
  );
  return app;
}

let app: ReturnType<typeof buildApp> | undefined;
afterEach(async () => {
  await app?.close();
  logLines.length = 0;
});

async function call(options: InjectOptions) {
  app = buildApp();
  const response = await app.inject(options);
  return { status: response.statusCode, body: response.json() as { error: Record<string, unknown> } };
}

const json = { "content-type": "application/json" };

describe("registerErrorHandling", () => {
  it.each([
    [{ url: "/webhooks/whk_1" }, 404, "error.hub.webhookNotFound", "Webhook whk_1 not found."],
    [{ url: "/conflict" }, 409, "error.hub.connectorExists", "exists"],
    [{ url: "/unavailable" }, 503, "error.hub.connectorUnreachable", "The Connector did not answer."],
    [
      { method: "POST", url: "/webhooks", headers: json, payload: { url: "not a url", triggers: [] } },
      400,
      "error.hub.validation",
      'body/url must match format "uri"',
    ],
    [
      { method: "POST", url: "/webhooks", headers: json, payload: { url: "https://example.com" } },
      400,
      "error.hub.validation",
      "body must have required property 'triggers'",
    ],
    [
      { method: "POST", url: "/webhooks", headers: json, payload: '{"url": ' },
      400,
      "error.hub.validation.invalidJsonInPayload",
      "The request body is not valid JSON.",
    ],
    [
      { method: "POST", url: "/webhooks", headers: json, payload: "" },
      400,
      "error.hub.validation.invalidJsonInPayload",
      "The request body is not valid JSON.",
    ],
    [
      { method: "POST", url: "/webhooks", headers: { "content-type": "application/xml" }, payload: "<a/>" },
      415,
      "error.hub.http.unsupportedMediaType",
      'Content type "application/xml" is not supported; send application/json.',
    ],
    [
      { method: "POST", url: "/webhooks", headers: json, payload: JSON.stringify({ url: "x".repeat(2000) }) },
      413,
      "error.hub.http.payloadTooLarge",
      "The request body is too large.",
    ],
    [
      { url: "/nowhere?apiKey=k" },
      404,
      "error.hub.http.routeDoesNotExist",
      "Route GET /nowhere does not exist.",
    ],
    [
      { method: "DELETE", url: "/webhooks" },
      404,
      "error.hub.http.routeDoesNotExist",
      "Route DELETE /webhooks does not exist.",
    ],
    [{ url: "/teapot" }, 418, "error.hub.http.imATeapot", "short and stout"],
    [
      { url: "/rate-limited" },
      429,
      "error.hub.http.tooManyRequests",
      "Rate limit exceeded, retry in 1 minute",
    ],
    [{ url: "/crash" }, 500, "error.hub.unexpected", "An unexpected error occurred."],
    [{ url: "/thrown-string" }, 500, "error.hub.unexpected", "An unexpected error occurred."],
  ] as const)("%j → %i %s", async (request, status, code, message) => {
    const { status: actualStatus, body } = await call(request);
    expect(actualStatus).toBe(status);
    expect(body).toEqual({
      error: { id: expect.stringMatching(/^ERR[A-Z2-9]{17}$/), code, message, time: expect.any(String) },
    });
  });

  it("logs unexpected errors at error level, with the cause the client never sees", async () => {
    const { body } = await call({ url: "/crash" });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|hunter2|stack/);
    const logged = logLines.find((line) => line.severity === "ERROR");
    expect(logged).toMatchObject({
      message: "request failed",
      err: { message: expect.stringContaining("ECONNREFUSED") },
    });
  });

  it("logs deliberate errors at info level with their details", async () => {
    await call({ url: "/conflict" });
    expect(logLines.find((line) => line.code === "error.hub.connectorExists")).toMatchObject({
      severity: "INFO",
      statusCode: 409,
      details: "unique violation on connectors_pkey",
    });
  });
});
