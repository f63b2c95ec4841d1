import { Type } from "typebox";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  checkHttpTimeouts,
  databaseSettings,
  describeConfig,
  httpSettings,
  loadConfig,
  loggingSettings,
  pubsubSettings,
  redactConfig,
  secretsSettings,
  serviceSettings,
  shutdownSettings,
} from "./config.ts";
import { ConfigError } from "./errors.ts";

const schema = Type.Object({
  ...httpSettings(8080),
  ...loggingSettings,
  ...databaseSettings,
  ...pubsubSettings,
  ...secretsSettings,
  ...shutdownSettings,
  RATE: Type.Number({ default: 1.5, description: "Requests per second" }),
  ALLOWED_PORTS: Type.Array(Type.Integer(), { default: [], description: "Ports" }),
  NICKNAME: Type.Optional(Type.String({ description: "Optional name" })),
});

const required = { DATABASE_URL: "postgres://hub:pw@localhost/hub", SECRETS_KEY: "a2V5" };

describe("loadConfig", () => {
  it("fills defaults and types the result", () => {
    const config = loadConfig(schema, required);
    expect(config).toEqual({
      PORT: 8080,
      HOST: "0.0.0.0",
      LOG_LEVEL: "info",
      DATABASE_URL: "postgres://hub:pw@localhost/hub",
      DATABASE_POOL_SIZE: 10,
      MIGRATE_ON_START: true,
      PUBSUB_PROJECT_ID: "",
      PUBSUB_TOPIC: "connector-events",
      PUBSUB_SUBSCRIPTION: "webhook-dispatcher",
      AUTOMATIONS_SUBSCRIPTION: "",
      OPERATIONS_TOPIC: "hub-operations",
      PUBSUB_PROVISION: true,
      SUBSCRIPTION_WATCHDOG_SECONDS: 30,
      SECRETS_KEY: "a2V5",
      SECRETS_KEY_PREVIOUS: [],
      SHUTDOWN_TIMEOUT_MS: 8000,
      RATE: 1.5,
      ALLOWED_PORTS: [],
    });
    expectTypeOf(config.PORT).toEqualTypeOf<number>();
    expectTypeOf(config.MIGRATE_ON_START).toEqualTypeOf<boolean>();
    expectTypeOf(config.SECRETS_KEY_PREVIOUS).toEqualTypeOf<string[]>();
    expectTypeOf(config.LOG_LEVEL).toEqualTypeOf<
      "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent"
    >();
    expectTypeOf(config.PUBSUB_EMULATOR_HOST).toEqualTypeOf<string | undefined>();
  });

  it("converts numbers, integers, booleans and lists", () => {
    const config = loadConfig(schema, {
      ...required,
      PORT: "3000",
      RATE: "0.25",
      MIGRATE_ON_START: "false",
      PUBSUB_PROVISION: "0",
      SECRETS_KEY_PREVIOUS: "b2xk, b2xkZXI=,",
      ALLOWED_PORTS: "80,443",
      LOG_LEVEL: "debug",
      PUBSUB_EMULATOR_HOST: "localhost:8085",
      NICKNAME: " hub ",
    });
    expect(config).toMatchObject({
      PORT: 3000,
      RATE: 0.25,
      MIGRATE_ON_START: false,
      PUBSUB_PROVISION: false,
      SECRETS_KEY_PREVIOUS: ["b2xk", "b2xkZXI="],
      ALLOWED_PORTS: [80, 443],
      LOG_LEVEL: "debug",
      PUBSUB_EMULATOR_HOST: "localhost:8085",
      NICKNAME: "hub",
    });
  });

  it.each([
    ["true", true],
    ["TRUE", true],
    ["1", true],
    ["false", false],
    ["False", false],
    ["0", false],
  ])("reads boolean %j as %s", (raw, expected) => {
    expect(loadConfig(schema, { ...required, MIGRATE_ON_START: raw }).MIGRATE_ON_START).toBe(expected);
  });

  it("treats empty and blank values as unset", () => {
    const config = loadConfig(schema, { ...required, PORT: "", HOST: "  ", NICKNAME: "" });
    expect(config.PORT).toBe(8080);
    expect(config.HOST).toBe("0.0.0.0");
    expect(config).not.toHaveProperty("NICKNAME");
  });

  it.each([
    [
      { DATABASE_URL: "" },
      "DATABASE_URL is required: Postgres connection string (postgres://user:password@host:5432/database)",
    ],
    [
      { SECRETS_KEY: undefined },
      "SECRETS_KEY is required: Base64 of 32 random bytes that seals stored secrets (openssl rand -base64 32)",
    ],
    [{ PORT: "abc" }, 'PORT must be an integer, got "abc"'],
    [{ PORT: "80.5" }, 'PORT must be an integer, got "80.5"'],
    [{ PORT: "70000" }, 'PORT must be <= 65535, got "70000"'],
    [{ DATABASE_POOL_SIZE: "0" }, 'DATABASE_POOL_SIZE must be >= 1, got "0"'],
    [{ RATE: "fast" }, 'RATE must be a number, got "fast"'],
    [{ MIGRATE_ON_START: "yes" }, 'MIGRATE_ON_START must be true, false, 1 or 0, got "yes"'],
    [
      { LOG_LEVEL: "verbose" },
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
    ],
    [{ PUBSUB_EMULATOR_HOST: "localhost" }, 'PUBSUB_EMULATOR_HOST must be host:port, got "localhost"'],
    [{ ALLOWED_PORTS: "80,http" }, 'ALLOWED_PORTS item 2 must be an integer, got "80,http"'],
  ])("rejects %j with one line", (overrides, message) => {
    const load = () => loadConfig(schema, { ...required, ...overrides });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
    try {
      load();
    } catch (error) {
      expect((error as Error).message).toBe(message);
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("never echoes a secret value in an error", () => {
    const secretSchema = Type.Object({ TOKEN: Type.Integer({ secret: true, description: "t" }) });
    expect(() => loadConfig(secretSchema, { TOKEN: "hunter2" })).toThrow(/^TOKEN must be an integer$/);
  });

  it("reads process.env by default", () => {
    const name = "EVENT_HUB_CONFIG_TEST_VALUE";
    process.env[name] = "42";
    try {
      expect(loadConfig(Type.Object({ [name]: Type.Integer({ description: "x" }) }))[name]).toBe(42);
    } finally {
      delete process.env[name];
    }
  });

  it("does not share default arrays between loads", () => {
    const first = loadConfig(schema, required);
    first.SECRETS_KEY_PREVIOUS.push("x");
    expect(loadConfig(schema, required).SECRETS_KEY_PREVIOUS).toEqual([]);
  });
});

describe("redactConfig", () => {
  it("replaces set secrets and keeps everything else", () => {
    const config = loadConfig(schema, { ...required, SECRETS_KEY_PREVIOUS: "b2xk" });
    const redacted = redactConfig(schema, config);
    expect(redacted).toMatchObject({
      DATABASE_URL: "[redacted]",
      SECRETS_KEY: "[redacted]",
      SECRETS_KEY_PREVIOUS: "[redacted]",
      PORT: 8080,
      PUBSUB_TOPIC: "connector-events",
    });
    expect(JSON.stringify(redacted)).not.toContain("pw@");
    expect(config.DATABASE_URL).toBe("postgres://hub:pw@localhost/hub");
  });

  it("shows unset secrets as unset", () => {
    expect(redactConfig(schema, loadConfig(schema, required)).SECRETS_KEY_PREVIOUS).toEqual([]);
  });
});

describe("describeConfig", () => {
  it("gives one documentation row per variable", () => {
    const rows = describeConfig(schema);
    expect(rows.map((row) => row.name)).toEqual(Object.keys(schema.properties));
    expect(rows.find((row) => row.name === "PORT")).toEqual({
      name: "PORT",
      default: "8080",
      required: false,
      secret: false,
      description: "TCP port of the HTTP server (Cloud Run sets it; 0 = any free port)",
    });
    expect(rows.find((row) => row.name === "DATABASE_URL")).toMatchObject({
      default: undefined,
      required: true,
      secret: true,
    });
    expect(rows.find((row) => row.name === "PUBSUB_EMULATOR_HOST")).toMatchObject({
      required: false,
      secret: false,
    });
    expect(rows.find((row) => row.name === "SECRETS_KEY_PREVIOUS")).toMatchObject({
      default: "",
      required: false,
      secret: true,
    });
    expect(rows.every((row) => row.description.length > 0)).toBe(true);
  });
});

describe("HTTP timeouts", () => {
  const service = Type.Object(serviceSettings(8080));

  it("are every service's, with defaults that fit together", () => {
    const config = loadConfig(service, required);
    expect(config).toMatchObject({ HTTP_REQUEST_TIMEOUT_MS: 30000, HTTP_HEADERS_TIMEOUT_MS: 10000 });
    expect(() => checkHttpTimeouts(config)).not.toThrow();
  });

  it("refuse a headers timeout longer than the request timeout, naming both", () => {
    const config = loadConfig(service, {
      ...required,
      HTTP_REQUEST_TIMEOUT_MS: "5000",
      HTTP_HEADERS_TIMEOUT_MS: "6000",
    });
    expect(() => checkHttpTimeouts(config)).toThrow(
      new ConfigError("HTTP_HEADERS_TIMEOUT_MS (6000) must not exceed HTTP_REQUEST_TIMEOUT_MS (5000)"),
    );
  });
});
