import { IsArray, IsBoolean, IsInteger, IsNumber, Type } from "typebox";
import type { Static, TObject, TSchema } from "typebox";
import { Value } from "typebox/value";
import { ConfigError } from "./errors.ts";

/**
 * Configuration from environment variables, described by a TypeBox `Type.Object` whose property
 * names are the variable names. Each service owns its schema (spreading the groups below); this
 * module only parses. Custom schema options: `secret: true` (never echoed, redacted in logs) and
 * `errorMessage` (replaces TypeBox's wording when the value breaks a constraint).
 */

type Env = Readonly<Record<string, string | undefined>>;

interface SettingSchema extends TSchema {
  description?: string;
  default?: unknown;
  secret?: boolean;
  errorMessage?: string;
  items?: SettingSchema;
  enum?: unknown[];
  anyOf?: SettingSchema[];
  const?: unknown;
}

export interface ConfigRow {
  name: string;
  default: string | undefined;
  required: boolean;
  secret: boolean;
  description: string;
}

/** Reads every property of `schema` from `env`; throws a one-line ConfigError naming the variable. */
export function loadConfig<T extends TObject>(schema: T, env: Env = process.env): Static<T> {
  const config: Record<string, unknown> = {};
  for (const [name, setting] of settings(schema)) {
    const raw = env[name]?.trim();
    if (raw) config[name] = parseSetting(name, setting, raw);
    else if (setting.default !== undefined) config[name] = structuredClone(setting.default);
    else if (isRequired(schema, name)) {
      throw new ConfigError(`${name} is required${setting.description ? `: ${setting.description}` : ""}`);
    }
  }
  return config as Static<T>;
}

/** The configuration with secret values replaced, for the start-up log line. */
export function redactConfig(schema: TObject, config: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const [name, setting] of settings(schema)) {
    if (setting.secret && isPresent(copy[name])) copy[name] = "[redacted]";
  }
  return copy;
}

/** One row per variable, for a generated documentation table. */
export function describeConfig(schema: TObject): ConfigRow[] {
  return settings(schema).map(([name, setting]) => ({
    name,
    default: formatDefault(setting.default),
    required: setting.default === undefined && isRequired(schema, name),
    secret: setting.secret === true,
    description: setting.description ?? "",
  }));
}

function parseSetting(name: string, setting: SettingSchema, raw: string): unknown {
  const got = setting.secret ? "" : `, got "${raw}"`; // secrets are never echoed
  let value: unknown;
  if (IsArray(setting)) {
    const items = raw.split(",").map((item) => item.trim());
    value = items.filter(Boolean).map((item, i) => {
      const result = convert(setting.items, item);
      if ("expected" in result) {
        throw new ConfigError(`${name} item ${i + 1} must be ${result.expected}${got}`);
      }
      return result.value;
    });
  } else {
    const result = convert(setting, raw);
    if ("expected" in result) throw new ConfigError(`${name} must be ${result.expected}${got}`);
    value = result.value;
  }
  const problem = Value.Errors(setting, value)[0];
  if (problem) throw new ConfigError(`${name} ${constraintMessage(setting, problem.message)}${got}`);
  return value;
}

type Converted = { value: unknown } | { expected: string };

/** Turns the text of one value into the JSON type its schema wants. */
function convert(schema: SettingSchema | undefined, raw: string): Converted {
  if (!schema) return { value: raw };
  if (IsInteger(schema)) {
    return /^[+-]?\d+$/.test(raw) ? { value: Number(raw) } : { expected: "an integer" };
  }
  if (IsNumber(schema)) {
    return Number.isFinite(Number(raw)) ? { value: Number(raw) } : { expected: "a number" };
  }
  if (IsBoolean(schema)) {
    const lower = raw.toLowerCase();
    if (lower === "true" || lower === "1") return { value: true };
    if (lower === "false" || lower === "0") return { value: false };
    return { expected: "true, false, 1 or 0" };
  }
  return { value: raw };
}

function constraintMessage(setting: SettingSchema, typeboxMessage: string): string {
  if (setting.errorMessage) return setting.errorMessage;
  const choices = setting.enum ?? setting.anyOf?.map((option) => option.const);
  if (choices?.every((choice) => choice !== undefined)) return `must be one of ${choices.join(", ")}`;
  return typeboxMessage;
}

function settings(schema: TObject): [string, SettingSchema][] {
  return Object.entries(schema.properties as Record<string, SettingSchema>);
}

function isRequired(schema: TObject, name: string): boolean {
  return (schema.required as string[] | undefined)?.includes(name) ?? false;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0);
}

function formatDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : String(value);
}

// ---- Property groups every service spreads into its own schema -------------------------------

export function httpSettings(defaultPort: number) {
  return {
    PORT: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: defaultPort,
      description: "TCP port of the HTTP server (Cloud Run sets it; 0 = any free port)",
    }),
    HOST: Type.String({ default: "0.0.0.0", description: "Address the HTTP server binds to" }),
  };
}

/**
 * What a slow client may cost an HTTP server: every service's server applies them
 * (http/client-timeouts.ts), so no connection is held open by a client that never finishes.
 */
const httpTimeoutSettings = {
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30000,
    description:
      "Longest time a client may take to send one whole request, body included; a slower one gets 408 and its connection is closed",
  }),
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 10000,
    description:
      "Longest time a client may take to send a request's headers (at most HTTP_REQUEST_TIMEOUT_MS; checked at start)",
  }),
};

/** node refuses to start a server whose headers may take longer than the whole request; say so first. */
export function checkHttpTimeouts(config: {
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_HEADERS_TIMEOUT_MS: number;
}): void {
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${config.HTTP_HEADERS_TIMEOUT_MS}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
}

export const loggingSettings = {
  LOG_LEVEL: Type.Union(
    [
      Type.Literal("trace"),
      Type.Literal("debug"),
      Type.Literal("info"),
      Type.Literal("warn"),
      Type.Literal("error"),
      Type.Literal("fatal"),
      Type.Literal("silent"),
    ],
    {
      default: "info",
      description: "Lowest level written to the log: trace, debug, info, warn, error, fatal, silent",
    },
  ),
};

export const databaseSettings = {
  DATABASE_URL: Type.String({
    secret: true,
    description: "Postgres connection string (postgres://user:password@host:5432/database)",
  }),
  DATABASE_POOL_SIZE: Type.Integer({
    minimum: 1,
    default: 10,
    description: "Most Postgres connections this process opens",
  }),
  MIGRATE_ON_START: Type.Boolean({ default: true, description: "Apply pending SQL migrations at start-up" }),
};

export const pubsubSettings = {
  PUBSUB_PROJECT_ID: Type.String({
    default: "",
    description:
      "Google Cloud project of the topics; empty = detect it on Google Cloud (required with the emulator)",
  }),
  PUBSUB_EMULATOR_HOST: Type.Optional(
    Type.String({
      pattern: "^\\S+:\\d{1,5}$",
      errorMessage: "must be host:port",
      description: "host:port of the Pub/Sub emulator; unset = the real Pub/Sub",
    }),
  ),
  PUBSUB_TOPIC: Type.String({
    default: "connector-events",
    description: "Topic every Connector event is published to",
  }),
  PUBSUB_SUBSCRIPTION: Type.String({
    default: "webhook-dispatcher",
    description:
      "webhook-dispatcher's subscription on PUBSUB_TOPIC (every service knows it: sync-worker publishes only while it exists)",
  }),
  AUTOMATIONS_SUBSCRIPTION: Type.String({
    default: "",
    description:
      "sync-worker's automations subscription on PUBSUB_TOPIC; empty = <PUBSUB_TOPIC>-sync-worker-automations",
  }),
  OPERATIONS_TOPIC: Type.String({
    default: "hub-operations",
    description: "Pub/Sub topic that operator events (destination disabled, ...) are published to",
  }),
  PUBSUB_PROVISION: Type.Boolean({
    default: true,
    description:
      "Create every missing topic and subscription of the hub at start-up and whenever one is found missing (shared/src/pubsub/README.md); false in production, where Terraform owns them",
  }),
  SUBSCRIPTION_WATCHDOG_SECONDS: Type.Integer({
    minimum: 1,
    default: 30,
    description:
      "A consumer that received nothing for this long, with nothing in hand, checks that its subscription exists and whether messages wait there; waiting messages reopen its stream. Also how often sync-worker re-checks the subscriptions it publishes for",
  }),
};

export const secretsSettings = {
  SECRETS_KEY: Type.String({
    secret: true,
    description: "Base64 of 32 random bytes that seals stored secrets (openssl rand -base64 32)",
  }),
  SECRETS_KEY_PREVIOUS: Type.Array(Type.String(), {
    default: [],
    secret: true,
    description: "Comma-separated earlier SECRETS_KEY values, so secrets sealed before a rotation still open",
  }),
};

export const shutdownSettings = {
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    default: 8000,
    description: "Time budget of a graceful shutdown, under Cloud Run's 10 s grace period",
  }),
};

/**
 * What every service reads besides its own settings: HTTP (with its timeouts: call
 * checkHttpTimeouts after loading), logging, Postgres, Pub/Sub, secrets, shutdown.
 */
export function serviceSettings(defaultPort: number) {
  return {
    ...httpSettings(defaultPort),
    ...httpTimeoutSettings,
    ...loggingSettings,
    ...databaseSettings,
    ...pubsubSettings,
    ...secretsSettings,
    ...shutdownSettings,
  };
}
