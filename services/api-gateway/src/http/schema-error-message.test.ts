import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { formatSchemaErrors } from "./schema-error-message.ts";

/** fastify's own Ajv with the formatter, as the gateway builds it; each answer is the error's message. */
async function messageFor(body: unknown): Promise<string> {
  const app = Fastify({ schemaErrorFormatter: formatSchemaErrors });
  app.post(
    "/",
    {
      schema: {
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            color: { enum: ["red", "green"] },
            sizes: { type: "array", items: { anyOf: [{ const: "s" }, { const: "m" }] } },
            note: { anyOf: [{ type: "string", maxLength: 3 }, { type: "null" }] },
            limit: { type: "integer", maximum: 5 },
          },
        },
      },
    },
    () => "ok",
  );
  app.setErrorHandler((error, _request, reply) => reply.code(400).send((error as Error).message));
  const response = await app.inject({ method: "POST", url: "/", payload: body as object });
  await app.close();
  return response.body;
}

describe("formatSchemaErrors", () => {
  it.each([
    [{ color: "blue" }, "body/color must be one of: red, green"],
    [{ sizes: ["s", "xl"] }, "body/sizes/1 must be one of: s, m"],
    [{ limit: 6 }, "body/limit must be <= 5"],
    // A union that is not only literals keeps Ajv's own sentences.
    [
      { note: "long" },
      "body/note must NOT have more than 3 characters, body/note must be null, body/note must match a schema in anyOf",
    ],
  ])("%o → %s", async (body, message) => {
    expect(await messageFor(body)).toBe(message);
  });
});
