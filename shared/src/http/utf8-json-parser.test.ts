import fastify from "fastify";
import { describe, expect, it } from "vitest";
import { registerErrorHandling } from "./error-handler.ts";
import { useUtf8JsonParser, type PrototypeKeys } from "./utf8-json-parser.ts";

async function buildApp(prototypeKeys: PrototypeKeys) {
  const app = fastify();
  registerErrorHandling(app);
  useUtf8JsonParser(app, { prototypeKeys });
  app.post("/echo", async (request) => ({
    hasOwnProto: Object.hasOwn(request.body as object, "__proto__"),
    body: request.body,
  }));
  await app.ready();
  return app;
}

const post = (app: Awaited<ReturnType<typeof buildApp>>, payload: string | Buffer) =>
  app.inject({ method: "POST", url: "/echo", headers: { "content-type": "application/json" }, payload });

const INVALID_UTF8 = Buffer.concat([
  Buffer.from('{"name":"a'),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
  Buffer.from('"}'),
]);
const PROTO_KEYS = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}';

describe.each<PrototypeKeys>(["refuse", "keep"])("useUtf8JsonParser (prototype keys: %s)", (mode) => {
  it("parses valid UTF-8 JSON, multi-byte characters and a byte order mark included", async () => {
    const app = await buildApp(mode);
    const answer = await post(app, Buffer.from('\uFEFF{"name":"Zoë 🦊"}'));
    expect(answer.statusCode).toBe(200);
    expect(answer.json().body).toEqual({ name: "Zoë 🦊" });
  });

  it.each([
    ["invalid UTF-8 inside a string", INVALID_UTF8],
    [
      "a lone surrogate encoded as UTF-8",
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    ],
    ["invalid JSON", Buffer.from("{not json")],
    ["no body", Buffer.alloc(0)],
  ])("answers %s with 400 invalidJsonInPayload", async (_name, payload) => {
    const app = await buildApp(mode);
    const answer = await post(app, payload);
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error.code).toBe("error.hub.validation.invalidJsonInPayload");
  });
});

describe("prototype keys", () => {
  it("refuse: __proto__ and constructor.prototype keys are a 400, as fastify's own parser answers", async () => {
    const app = await buildApp("refuse");
    const answer = await post(app, PROTO_KEYS);
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error.code).toBe("error.hub.validation.invalidJsonInPayload");
  });

  it("keep: they are own properties of the parsed body and no prototype changed", async () => {
    const app = await buildApp("keep");
    const answer = await post(app, PROTO_KEYS);
    expect(answer.statusCode).toBe(200);
    expect(answer.json().hasOwnProto).toBe(true);
    expect(answer.body).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
