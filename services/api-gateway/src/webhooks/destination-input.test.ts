import { AppError, parseDestinationConfig, type SealedConfigPath } from "@event-hub/shared";
import { describe, expect, it } from "vitest";
import { buildDestination, sealAuthentication, type DestinationInput } from "./destination-input.ts";

// A visible fake: what it sealed, and for which config field (the SecretBox context's path), can be
// recognised, and the clear text never appears in the row.
const seal = (plaintext: string, path: SealedConfigPath): string =>
  `sealed(${path}:${Buffer.from(plaintext).toString("base64")})`;
const triggers = ["transport.**"];

/** The 400 message buildDestination throws for `input`, or undefined when it builds. */
function problemOf(input: DestinationInput): string | undefined {
  try {
    buildDestination(input, seal);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).statusCode).toBe(400);
    expect((error as AppError).code).toBe("error.hub.validation");
    return (error as AppError).message;
  }
}

describe("buildDestination: one row per destination type", () => {
  it.each<[string, DestinationInput, Record<string, unknown>]>([
    [
      "webhook",
      {
        url: "https://example.com/{{trigger}}",
        headers: { a: "b" },
        format: "cloudevents",
        skipTlsCheck: true,
        triggers,
      },
      {
        url: "https://example.com/{{trigger}}",
        headers: { a: "b" },
        format: "cloudevents",
        skipTlsCheck: true,
      },
    ],
    [
      "webhook (the default type)",
      { url: "https://example.com", triggers },
      { url: "https://example.com", headers: {} },
    ],
    [
      "amqp",
      {
        type: "amqp",
        amqp: { url: "amqps://u:p@mq.example.com", exchange: "events", routingKey: "{{trigger}}" },
        triggers,
      },
      {
        urlSealed: seal("amqps://u:p@mq.example.com", "urlSealed"),
        exchange: "events",
        routingKey: "{{trigger}}",
      },
    ],
    [
      "batch",
      { type: "batch", url: "https://example.com/batch", publishIntervalSeconds: 30, triggers },
      { url: "https://example.com/batch", headers: {}, publishIntervalSeconds: 30 },
    ],
  ])("%s", (_name, input, config) => {
    const { fields, warnings } = buildDestination(input, seal);
    expect(fields.type).toBe(input.type ?? "webhook");
    expect(fields.config).toEqual(config);
    expect(parseDestinationConfig(fields.type, fields.config).ok).toBe(true);
    expect(fields).toMatchObject({
      triggers,
      connector_ids: null,
      enabled: true,
      ordered: false,
      retry_schedule_seconds: null,
      retry_client_errors: true,
      max_in_flight: 50,
      rate_limit_per_second: null,
      timeout_ms: 15000,
    });
    expect(warnings).toEqual([]);
  });
});

describe("buildDestination: secrets are sealed", () => {
  it.each<[string, DestinationInput["authentication"], Record<string, unknown>, string]>([
    [
      "ApiKey",
      { type: "ApiKey", apiKey: "the-api-key" },
      {
        type: "ApiKey",
        headerName: "x-api-key",
        apiKeySealed: seal("the-api-key", "authentication.apiKeySealed"),
      },
      "the-api-key",
    ],
    [
      "OAuth2",
      {
        type: "OAuth2",
        accessTokenUrl: "https://idp.example.com/token",
        clientId: "client",
        clientSecret: "the-client-secret",
        scope: "events",
      },
      {
        type: "OAuth2",
        accessTokenUrl: "https://idp.example.com/token",
        clientId: "client",
        clientSecretSealed: seal("the-client-secret", "authentication.clientSecretSealed"),
        scope: "events",
      },
      "the-client-secret",
    ],
  ])("webhook %s authentication", (_name, authentication, stored, secret) => {
    const { fields } = buildDestination({ url: "https://example.com", authentication, triggers }, seal);
    expect(fields.config).toMatchObject({ authentication: stored });
    expect(JSON.stringify(fields)).not.toContain(secret);
  });

  it("amqp URL (it holds the broker's credentials)", () => {
    const url = "amqp://user:broker-password@mq.example.com";
    const { fields } = buildDestination({ type: "amqp", amqp: { url, exchange: "x" }, triggers }, seal);
    expect(JSON.stringify(fields)).not.toContain("broker-password");
  });

  it("keeps the stored sealed secret when an update does not mention it, drops it on null", () => {
    const created = buildDestination(
      { url: "https://example.com", authentication: { type: "ApiKey", apiKey: "k" }, triggers },
      seal,
    ).fields;
    const kept = buildDestination({ description: "renamed" }, seal, created).fields;
    expect(kept.config).toEqual(created.config);
    expect(kept.description).toBe("renamed");
    const dropped = buildDestination({ authentication: null }, seal, created).fields;
    expect(dropped.config).not.toHaveProperty("authentication");
  });
});

describe("buildDestination: errors name the field", () => {
  it.each<[DestinationInput, string]>([
    [{ url: "https://example.com" }, "body/triggers is required"],
    [{ url: "https://example.com", triggers: ["a..b"] }, 'body/triggers/0 "a..b" is not a trigger pattern'],
    [{ triggers }, "body/url is required"],
    [{ url: "ftp://example.com", triggers }, "body/url must use http or https"],
    [
      { url: "https://example.com", amqp: { exchange: "x" }, triggers },
      "body/amqp does not apply to webhook destinations",
    ],
    [{ type: "amqp", url: "https://example.com", triggers }, "body/url does not apply to amqp destinations"],
    [{ type: "amqp", amqp: { exchange: "x" }, triggers }, "body/amqp/url is required for amqp"],
    [{ type: "amqp", amqp: { url: "http://mq" }, triggers }, "body/amqp/url must use amqp or amqps"],
    [{ type: "amqp", amqp: { url: "amqp://mq" }, triggers }, "body/amqp/exchange is required for amqp"],
    [
      { type: "batch", url: "https://example.com", triggers },
      "body/publishIntervalSeconds is required for batch",
    ],
    [
      { type: "batch", url: "https://example.com", format: "connector", publishIntervalSeconds: 5, triggers },
      "body/format does not apply to batch destinations",
    ],
    [
      { url: "https://example.com", authentication: { type: "ApiKey" }, triggers },
      "body/authentication/apiKey is required for ApiKey",
    ],
    [
      {
        url: "https://example.com",
        authentication: { type: "OAuth2", accessTokenUrl: "https://idp", clientId: "c" },
        triggers,
      },
      "body/authentication/clientSecret is required for OAuth2",
    ],
    [
      {
        url: "https://example.com",
        authentication: { type: "OAuth2", accessTokenUrl: "idp/token", clientId: "c", clientSecret: "s" },
        triggers,
      },
      "body/authentication/accessTokenUrl is not a URL",
    ],
  ])("%j → %s", (input, message) => {
    expect(problemOf(input)).toBe(message);
  });

  it("refuses to change the type of a stored destination", () => {
    const stored = buildDestination({ url: "https://example.com", triggers }, seal).fields;
    expect(() => buildDestination({ type: "batch" }, seal, stored)).toThrow(
      "body/type cannot change (webhook); create a new destination instead",
    );
  });

  it("names the field under another prefix for imported targets", () => {
    expect(() => sealAuthentication({ type: "ApiKey" }, seal, "targets/t1/authentication")).toThrow(
      "body/targets/t1/authentication/apiKey is required for ApiKey",
    );
  });
});

describe("buildDestination: policy and warnings", () => {
  it("takes the policy fields and deduplicates triggers", () => {
    const { fields } = buildDestination(
      {
        url: "https://example.com",
        triggers: ["a.b", "a.b", "c.*"],
        connectorIds: ["acme"],
        ordered: true,
        retry: { scheduleSeconds: [1, 5], retryClientErrors: false },
        maxInFlight: 2,
        rateLimitPerSecond: 3,
        timeoutMs: 500,
        enabled: false,
      },
      seal,
    );
    expect(fields).toMatchObject({
      triggers: ["a.b", "c.*"],
      connector_ids: ["acme"],
      ordered: true,
      retry_schedule_seconds: [1, 5],
      retry_client_errors: false,
      max_in_flight: 2,
      rate_limit_per_second: 3,
      timeout_ms: 500,
      enabled: false,
    });
  });

  it("warns about a literal private address", () => {
    const { warnings } = buildDestination({ url: "http://10.1.2.3/hook", triggers }, seal);
    expect(warnings).toHaveLength(1);
  });

  it("warns about a broker on a private address too, without repeating its credentials", () => {
    const url = "amqp://user:broker-password@10.1.2.3:5672";
    const { warnings } = buildDestination({ type: "amqp", amqp: { url, exchange: "x" }, triggers }, seal);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("SSRF_ALLOW");
    expect(warnings[0]).not.toContain("broker-password");
  });
});
