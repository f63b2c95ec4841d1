import { describe, expect, it } from "vitest";
import { parseDestinationConfig } from "./destination-config.ts";

describe("parseDestinationConfig", () => {
  it.each([
    ["webhook", { url: "https://example.com/{{trigger}}" }],
    [
      "webhook",
      {
        url: "https://e.com",
        format: "cloudevents",
        authentication: { type: "ApiKey", headerName: "x-k", apiKeySealed: "v1.x" },
      },
    ],
    [
      "webhook",
      {
        url: "https://e.com",
        authentication: {
          type: "OAuth2",
          accessTokenUrl: "https://idp/token",
          clientId: "c",
          clientSecretSealed: "v1.y",
        },
      },
    ],
    ["amqp", { urlSealed: "v1.z", exchange: "events" }],
    ["batch", { url: "https://e.com", publishIntervalSeconds: 60 }],
  ])("accepts a %s config", (type, config) => {
    expect(parseDestinationConfig(type, config)).toStrictEqual({ ok: true, value: { type, config } });
  });

  it.each([
    ["webhook", {}],
    ["webhook", { url: "https://e.com", format: "xml" }],
    ["webhook", { url: "https://e.com", authentication: { type: "ApiKey" } }],
    ["amqp", { exchange: "events" }],
    ["batch", { url: "https://e.com", publishIntervalSeconds: 0 }],
    ["carrier-pigeon", { url: "https://e.com" }],
  ])("rejects a bad %s config with a reason", (type, config) => {
    const parsed = parseDestinationConfig(type, config);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.reason).toContain(type);
  });
});
