import { describe, expect, it } from "vitest";
import { destinationsFromWebhooksConfig } from "./import-webhooks-config.ts";

describe("destinationsFromWebhooksConfig", () => {
  const config = {
    enabled: true,
    location: "@nmshd/connector:WebhooksModule",
    skipTlsCheck: false,
    targets: {
      t1: {
        url: "https://example.com/hooks/{{trigger}}",
        headers: { "a-header": "a-value" },
        authentication: {
          type: "OAuth2" as const,
          accessTokenUrl: "https://idp/token",
          clientId: "id",
          clientSecret: "secret",
          scope: "optional",
        },
      },
      t2: { url: "https://example.com/hook", authentication: { type: "ApiKey" as const, apiKey: "k" } },
    },
    webhooks: [
      { triggers: ["transport.messageReceived", "consumption.*"], target: "t1" },
      { triggers: ["**"], target: { url: "http://localhost:9000/" } },
      { triggers: ["a.b"], target: "t2" },
    ],
  };

  it("turns each webhooks entry into one webhook destination with its target", () => {
    const inputs = destinationsFromWebhooksConfig(config, ["acme"]);
    expect(inputs).toEqual([
      {
        type: "webhook",
        url: "https://example.com/hooks/{{trigger}}",
        headers: { "a-header": "a-value" },
        triggers: ["transport.messageReceived", "consumption.*"],
        description: 'Imported from a Connector webhooks config (target "t1")',
        format: "connector",
        authentication: config.targets.t1.authentication,
        skipTlsCheck: false,
        connectorIds: ["acme"],
      },
      expect.objectContaining({ url: "http://localhost:9000/", headers: {}, triggers: ["**"] }),
      expect.objectContaining({ authentication: { type: "ApiKey", apiKey: "k" } }),
    ]);
  });

  it.each([
    [{ webhooks: [{ triggers: ["a"], target: "nope" }] }, 'body/webhooks/0/target refers to "nope"'],
    [
      { webhooks: [{ triggers: ["a"], target: { url: "ftp://x" } }] },
      "body/webhooks/0/target/url must use http",
    ],
    [
      {
        targets: { t: { url: "https://x", authentication: { type: "ApiKey" as const } } },
        webhooks: [{ triggers: ["a"], target: "t" }],
      },
      "body/targets/t/authentication/apiKey is required",
    ],
  ])("refuses %j naming the field", (bad, message) => {
    expect(() => destinationsFromWebhooksConfig(bad, undefined)).toThrow(message);
  });
});
