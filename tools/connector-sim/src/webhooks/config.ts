import { Type, type Static } from "typebox";
import { ruleViolated, type SimError } from "../errors.ts";

const Authentication = Type.Union([
  Type.Object({
    type: Type.Literal("OAuth2"),
    accessTokenUrl: Type.String(),
    clientId: Type.String(),
    clientSecret: Type.String(),
    scope: Type.Optional(Type.String()),
  }),
  Type.Object({
    type: Type.Literal("ApiKey"),
    apiKey: Type.String(),
    headerName: Type.Optional(Type.String()),
  }),
]);

const Target = Type.Object({
  url: Type.String(),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  authentication: Type.Optional(Authentication),
});

/** The Connector's `modules.webhooks` block (without `enabled`/`location`, which the sim ignores). */
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
type TargetAuthentication = Static<typeof Authentication>;

export type ParsedTarget = {
  urlTemplate: string;
  headers: Record<string, string>;
  authentication?: TargetAuthentication;
};
type ParsedWebhook = { triggers: string[]; target: ParsedTarget };
export type ParsedWebhooksConfig = { skipTlsCheck: boolean; webhooks: ParsedWebhook[] };

/**
 * The Connector's ConfigParser rules: every URL must be http(s), a named target must exist,
 * OAuth2 needs accessTokenUrl/clientId/clientSecret, ApiKey needs apiKey. Errors carry the
 * module's codes (`error.runtime.modules.webhooks.*`); the real Connector then refuses to start.
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
  const authentication = target.authentication;
  if (authentication) assertAuthentication(authentication);
  return {
    urlTemplate: target.url,
    headers: target.headers ?? {},
    ...(authentication ? { authentication } : {}),
  };
}

function assertAuthentication(authentication: TargetAuthentication): void {
  const invalid = (message: string): SimError =>
    ruleViolated("error.runtime.modules.webhooks.invalidAuthenticationConfig", message);
  if (authentication.type === "OAuth2") {
    if (!authentication.accessTokenUrl || !authentication.clientId || !authentication.clientSecret) {
      throw invalid(
        "'BearerToken' authentication is missing required properties. The object must contain at least 'accessTokenUrl', 'clientId' and 'clientSecret'.",
      );
    }
  } else if (!authentication.apiKey) {
    throw invalid("'ApiKey' authentication is missing the required property 'apiKey'.");
  }
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
