import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, TEST_ADMIN_KEY } from "../../test/build-test-app.ts";

// Static headers Node would refuse to send used to be stored and then fail every attempt; they are
// refused when written: create, PATCH and the Connector config import, each naming the header.
describe("static header values and names", () => {
  let harness: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const send = (method: "POST" | "PATCH", url: string, payload: object) =>
    harness.app.inject({ method, url, headers: { "x-api-key": TEST_ADMIN_KEY }, payload });
  const expectRefused = (response: Awaited<ReturnType<typeof send>>, message: RegExp) => {
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: "error.hub.validation",
      message: expect.stringMatching(message),
    });
  };
  const hook = { url: "https://example.com/hook", triggers: ["**"] };

  it("refuses CR/LF in a value at create, naming the header, and stores nothing", async () => {
    const before = await harness.db.query("SELECT count(*)::int AS n FROM destinations");
    const response = await send("POST", "/v1/webhooks", {
      ...hook,
      headers: { "X-Foo": "a\r\nX-Injected: 1" },
    });
    expectRefused(response, /^body\/headers\/X-Foo is not a valid HTTP header value/);
    const after = await harness.db.query("SELECT count(*)::int AS n FROM destinations");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("refuses NUL in a batch destination's header", async () => {
    const response = await send("POST", "/v1/webhooks", {
      ...hook,
      type: "batch",
      publishIntervalSeconds: 5,
      headers: { "x-tenant": "a\u0000" },
    });
    expectRefused(response, /^body\/headers\/x-tenant is not a valid HTTP header value/);
  });

  it("refuses a bad value on PATCH and keeps the stored headers", async () => {
    const created = await send("POST", "/v1/webhooks", { ...hook, headers: { "X-Ok": "yes" } });
    expect(created.statusCode).toBe(201);
    const { id } = created.json().result;
    const response = await send("PATCH", `/v1/webhooks/${id}`, { headers: { "X-Ok": "line\nbreak" } });
    expectRefused(response, /^body\/headers\/X-Ok is not a valid HTTP header value/);
    const { rows } = await harness.db.query("SELECT config FROM destinations WHERE id = $1", [id]);
    expect(rows[0].config.headers).toStrictEqual({ "X-Ok": "yes" });
  });

  it("refuses a header the hub sets itself, as a static header or the ApiKey header", async () => {
    expectRefused(
      await send("POST", "/v1/webhooks", { ...hook, headers: { "Webhook-Signature": "v1,forged" } }),
      /^body\/headers\/Webhook-Signature names the header "Webhook-Signature", which the hub sets itself/,
    );
    expectRefused(
      await send("POST", "/v1/webhooks", {
        ...hook,
        authentication: { type: "ApiKey", headerName: "content-length", apiKey: "k" },
      }),
      /^body\/authentication\/headerName names the header "content-length"/,
    );
  });

  it("refuses a bad value in an imported Connector config, naming the target and header", async () => {
    const response = await send("POST", "/v1/webhooks/import", {
      targets: { t1: { url: "https://example.com/hook", headers: { "X-Foo": "a\rb" } } },
      webhooks: [{ triggers: ["**"], target: "t1" }],
    });
    expectRefused(response, /^body\/targets\/t1\/headers\/X-Foo is not a valid HTTP header value/);
  });

  it("still accepts any token as a name and Latin-1 in a value", async () => {
    const response = await send("POST", "/v1/webhooks", {
      ...hook,
      headers: { x_tenant: "Grüße", "X-Api-Key": "k\tv" },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().result.headers).toStrictEqual({ x_tenant: "Grüße", "X-Api-Key": "k\tv" });
  });
});
