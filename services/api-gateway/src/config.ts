import { checkHttpTimeouts, loadConfig, serviceSettings } from "@event-hub/shared";
import { Type, type Static } from "typebox";

/** Every variable api-gateway reads; docs/configuration.md is generated from these schemas. */
export const apiGatewayConfigSchema = Type.Object({
  ...serviceSettings(8080),
  ADMIN_API_KEY: Type.String({
    minLength: 30,
    secret: true,
    description:
      "Bootstrap admin API key (all scopes), at least 30 characters. Create narrower keys with it.",
  }),
  API_KEY_HEADER: Type.String({ default: "x-api-key", description: "Header that carries API keys." }),
  RATE_LIMIT_PER_SECOND: Type.Number({
    default: 50,
    exclusiveMinimum: 0,
    description: "Requests per second each API key may send on average (per replica); over it: 429.",
  }),
  RATE_LIMIT_BURST: Type.Integer({
    default: 200,
    minimum: 1,
    description: "Requests an API key may send at once before RATE_LIMIT_PER_SECOND applies.",
  }),
  IDEMPOTENCY_RETENTION_HOURS: Type.Integer({
    default: 24,
    minimum: 1,
    description: "How long the answer to a POST with an Idempotency-Key is kept for repeats.",
  }),
  IDEMPOTENCY_IN_PROGRESS_SECONDS: Type.Number({
    default: 60,
    exclusiveMinimum: 0,
    description:
      "How long an Idempotency-Key whose request has not answered stays in progress (409 for repeats). " +
      "After it, the request is taken to have crashed and a repeat runs anew; keep it above the slowest creating POST.",
  }),
  CORE_API_TIMEOUT_MS: Type.Integer({
    default: 30000,
    minimum: 100,
    description: "Time a Connector may take to answer a proxied Core API call before the caller gets 504.",
  }),
  SSRF_ALLOW: Type.Array(Type.String(), {
    default: [],
    description:
      "CIDRs or host names of Connectors the Core API and monitoring proxy may reach although private, loopback or reserved (comma-separated; e.g. Connectors on a private network, development and tests).",
  }),
  INGEST_BASE_URL: Type.String({
    default: "http://localhost:8081",
    description: "Public base URL of sync-worker, used to tell each Connector where to post its events.",
  }),
});

export type ApiGatewayConfig = Static<typeof apiGatewayConfigSchema>;

export function loadApiGatewayConfig(env: NodeJS.ProcessEnv = process.env): ApiGatewayConfig {
  const config = loadConfig(apiGatewayConfigSchema, env);
  checkHttpTimeouts(config);
  return config;
}
