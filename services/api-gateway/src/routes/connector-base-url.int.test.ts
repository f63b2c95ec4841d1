import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "@event-hub/local-stack/test-names";
import { connectorApiKeySealing } from "@event-hub/shared";
import { buildTestApp, type TestHarness } from "../../test/build-test-app.ts";

// baseUrl decides where the Connector's own API key goes: only a plain address, and never a new
// one without the key in the same request.
describe("/v1/connectors baseUrl", () => {
  let harness: TestHarness;
  beforeAll(async () => {
    harness = await buildTestApp();
  });
  afterAll(() => harness.close());

  const register = async (baseUrl = "http://connector.example:8080") => {
    const id = uniqueName("con");
    const response = await harness.call({
      method: "POST",
      url: "/v1/connectors",
      payload: { id, name: "C", baseUrl, apiKey: "k".repeat(30) },
    });
    return { id, response };
  };

  it.each([
    "http://user:pass@connector.example",
    "http://user@connector.example/",
    "http://connector.example/?redirect=http://evil.example",
    "http://connector.example?x=1",
    "http://connector.example/api#fragment",
    "http://connector.example\\@evil.example",
    "http://evil.example\\.connector.example",
    "javascript:alert(1)",
    "http://",
  ])("refuses %s with 400 naming body/baseUrl, at registration and in a PATCH", async (baseUrl) => {
    const { response } = await register(baseUrl);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error.message).toContain("body/baseUrl");
    const { id } = await register();
    const patched = await harness.call({
      method: "PATCH",
      url: `/v1/connectors/${id}`,
      payload: { baseUrl, apiKey: "k".repeat(30) },
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.message).toContain("body/baseUrl");
  });

  it.each(["http://connector.example:8080", "https://connector.example/prefix/", "http://10.0.0.5:8080"])(
    "accepts %s",
    async (baseUrl) => {
      expect((await register(baseUrl)).response.statusCode).toBe(201);
    },
  );

  it("changes baseUrl only together with the Connector's apiKey", async () => {
    const { id } = await register();
    const alone = await harness.call({
      method: "PATCH",
      url: `/v1/connectors/${id}`,
      payload: { baseUrl: "https://attacker.example" },
    });
    expect(alone.statusCode).toBe(400);
    expect(alone.json().error).toMatchObject({ code: "error.hub.validation" });
    expect(alone.json().error.message).toContain("body/apiKey");
    const unchanged = (await harness.call({ url: `/v1/connectors/${id}` })).json().result;
    expect(unchanged.baseUrl).toBe("http://connector.example:8080");

    // The same address (trailing slash aside) is no change; other settings need no key.
    const same = await harness.call({
      method: "PATCH",
      url: `/v1/connectors/${id}`,
      payload: { baseUrl: "http://connector.example:8080/", name: "Renamed" },
    });
    expect(same.statusCode).toBe(200);

    const withKey = await harness.call({
      method: "PATCH",
      url: `/v1/connectors/${id}`,
      payload: { baseUrl: "https://moved.example", apiKey: "the-new-connectors-key" },
    });
    expect(withKey.statusCode).toBe(200);
    expect(withKey.json().result).toMatchObject({ baseUrl: "https://moved.example", hasApiKey: true });
    const { rows } = await harness.db.query("SELECT api_key_sealed FROM connectors WHERE id = $1", [id]);
    expect(harness.secrets.open(rows[0].api_key_sealed, connectorApiKeySealing(id))).toBe(
      "the-new-connectors-key",
    );
  });
});
