import { Type, type Static } from "typebox";
import { ruleViolated, type SimError } from "../errors.ts";

/** What a target may authenticate with, once parseWebhooksConfig has checked it. */
type TargetAuthentication =
  | { type: "OAuth2"; accessTokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  | { type: "ApiKey"; apiKey: string; headerName?: string };

const Target = Type.Object({
  url: Type.String(),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  // Any object here: the ConfigParser, not a schema, judges it, so bad ones get its error codes.
  authentication: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/**
 * The Connector's `modules.webhooks` block (without `location`). `enabled: false` turns the module
 * off; unlike the Connector's default config, a block without `enabled` counts as enabled.
 */
export const WebhooksConfigSchema = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  skipTlsCheck: Type.Optional(Type.Boolean()),
  targets: Type.Optional(Type.Record(Type.String(), Target)),
  webhooks: Type.Optional(
    Type.Array(
      Type.Object({ triggers: Type.Array(Type.String()), target: Type.Union([Type.String(), Target]) }),
    ),
  ),
});

export type WebhooksConfig = Static<typeof WebhooksConfigSchema>;

export type ParsedTarget = {
  urlTemplate: string;
  headers: Record<string, string>;
  authentication?: TargetAuthentication;
};
type ParsedWebhook = { triggers: string[]; target: ParsedTarget };
export type ParsedWebhooksConfig = { skipTlsCheck: boolean; webhooks: ParsedWebhook[] };

/**
 * The Connector's ConfigParser rules: every URL must be http(s), a named target must exist,
 * authentication is OAuth2 (accessTokenUrl, clientId, clientSecret) or ApiKey (apiKey). Errors
 * carry the module's codes (`error.runtime.modules.webhooks.*`); the real Connector then refuses
 * to start.
 */
export function parseWebhooksConfig(config: WebhooksConfig): ParsedWebhooksConfig {
  const named = new Map<string, ParsedTarget>();
  for (const [name, target] of Object.entries(config.targets ?? {})) named.set(name, parseTarget(target));
  const webhooks = (config.webhooks ?? []).map((webhook) => {
    if (typeof webhook.target !== "string")
      return { triggers: webhook.triggers, target: parseTarget(webhook.target) };
    const target = named.get(webhook.target);
    if (!target) {
      throw ruleViolated(
        "error.runtime.modules.webhooks.invalidTargetReference",
        `Invalid configuration. target '${webhook.target}' not found!`,
      );
    }
    return { triggers: webhook.triggers, target };
  });
  return { skipTlsCheck: config.skipTlsCheck ?? false, webhooks };
}

function parseTarget(target: Static<typeof Target>): ParsedTarget {
  if (!isHttpUrl(target.url)) {
    throw ruleViolated(
      "error.runtime.modules.webhooks.invalidUrlFormat",
      `'${target.url}' is not a valid URL.`,
    );
  }
  const authentication = target.authentication && parseAuthentication(target.authentication);
  return {
    urlTemplate: target.url,
    headers: target.headers ?? {},
    ...(authentication ? { authentication } : {}),
  };
}

function parseAuthentication(authentication: Record<string, unknown>): TargetAuthentication {
  const invalid = (message: string): SimError =>
    ruleViolated("error.runtime.modules.webhooks.invalidAuthenticationConfig", message);
  const { type } = authentication;
  if (typeof type !== "string") throw invalid("'authentication.type' must be a string.");
  if (type === "OAuth2") {
    const { accessTokenUrl, clientId, clientSecret, scope } = authentication;
    if (!isFilledString(accessTokenUrl) || !isFilledString(clientId) || !isFilledString(clientSecret)) {
      throw invalid(
        "'BearerToken' authentication is missing required properties. The object must contain at least 'accessTokenUrl', 'clientId' and 'clientSecret'.",
      );
    }
    return { type, accessTokenUrl, clientId, clientSecret, ...(isFilledString(scope) ? { scope } : {}) };
  }
  if (type === "ApiKey") {
    const { apiKey, headerName } = authentication;
    if (!isFilledString(apiKey))
      throw invalid("'ApiKey' authentication is missing the required property 'apiKey'.");
    return { type, apiKey, ...(isFilledString(headerName) ? { headerName } : {}) };
  }
  throw invalid(`The authentication type '${type}' is invalid. Valid types are 'OAuth2' and 'ApiKey'`);
}

function isFilledString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Only the first `{{trigger}}` is replaced, as `String.prototype.replace` does in the Connector. */
export function fillUrl(urlTemplate: string, trigger: string): string {
  return urlTemplate.replace("{{trigger}}", trigger);
}
