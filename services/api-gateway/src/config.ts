import {
  databaseSettings,
  httpSettings,
  loadConfig,
  loggingSettings,
  pubsubSettings,
  secretsSettings,
  shutdownSettings,
} from "@event-hub/shared";
import { Type, type Static } from "typebox";

/** Every variable api-gateway reads; docs/configuration.md is generated from these schemas. */
export const apiGatewayConfigSchema = Type.Object({
  ...httpSettings(8080),
  ...loggingSettings,
  ...databaseSettings,
  ...pubsubSettings,
  ...secretsSettings,
  ...shutdownSettings,
  ADMIN_API_KEY: Type.String({
    minLength: 30,
    secret: true,
    description:
      "Bootstrap admin API key (all scopes), at least 30 characters. Create narrower keys with it.",
  }),
  API_KEY_HEADER: Type.String({ default: "x-api-key", description: "Header that carries API keys." }),
  INGEST_BASE_URL: Type.String({
    default: "http://localhost:8081",
    description: "Public base URL of sync-worker, used to tell each Connector where to post its events.",
  }),
});

export type ApiGatewayConfig = Static<typeof apiGatewayConfigSchema>;

export function loadApiGatewayConfig(env: NodeJS.ProcessEnv = process.env): ApiGatewayConfig {
  return loadConfig(apiGatewayConfigSchema, env);
}
