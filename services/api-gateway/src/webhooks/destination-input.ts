import {
  AppError,
  isValidTriggerPattern,
  parseDestinationConfig,
  type DestinationConfig,
  type SealedConfigPath,
  type StoredTargetAuthentication,
} from "@event-hub/shared";
import type { Static } from "typebox";
import type {
  AuthenticationInput as AuthenticationInputSchema,
  DestinationPatch,
} from "../routes/webhook-schemas.ts";
import { DEFAULT_API_KEY_HEADER, DESTINATION_DEFAULTS } from "./destination-defaults.ts";
import { checkHeaderName, checkStaticHeaders } from "./static-headers.ts";
import { privateAddressWarning, urlProblem } from "./url-policy.ts";

export type DestinationType = DestinationConfig["type"];

/** Target authentication as the API takes it (the Connector's shape), with the secret in clear. */
export type AuthenticationInput = Static<typeof AuthenticationInputSchema>;

/** Seals a secret for the given field of the destination's config (the SecretBox context's path). */
export type SealField = (plaintext: string, path: SealedConfigPath) => string;

/**
 * A destination as the API takes it: the PATCH body's type, where every field is optional (a POST
 * body, whose `triggers` is required, is one of them); on update, absent fields keep their stored value.
 */
export type DestinationInput = Static<typeof DestinationPatch>;

/** The destinations row's columns this module decides (id and times are the store's). */
export type DestinationFields = {
  type: DestinationType;
  config: DestinationConfig["config"];
  triggers: string[];
  connector_ids: string[] | null;
  description: string;
  enabled: boolean;
  ordered: boolean;
  retry_schedule_seconds: number[] | null;
  retry_client_errors: boolean;
  max_in_flight: number;
  rate_limit_per_second: number | null;
  timeout_ms: number;
};

/** Which input fields each type takes; the others are a 400 naming the field. */
const FIELDS_OF: Record<DestinationType, readonly (keyof DestinationInput)[]> = {
  webhook: ["url", "headers", "format", "skipTlsCheck", "authentication"],
  amqp: ["amqp"],
  batch: ["url", "headers", "publishIntervalSeconds"],
};
const TYPE_FIELDS = [
  "url",
  "headers",
  "format",
  "skipTlsCheck",
  "authentication",
  "amqp",
  "publishIntervalSeconds",
] as const;

const invalid = (field: string, message: string) =>
  new AppError("error.hub.validation", `body/${field} ${message}`, 400);

/**
 * Turns API input (plus, on update, the stored row) into the row to write: type-specific config in
 * the shape `shared/destination-config.ts` defines, secrets sealed, policy columns. Throws a 400 that
 * names the field for anything the schema alone cannot say. Pure apart from `seal`.
 */
export function buildDestination(
  input: DestinationInput,
  seal: SealField,
  existing?: DestinationFields,
): { fields: DestinationFields; warnings: string[] } {
  const type = existing?.type ?? input.type ?? "webhook";
  if (existing && input.type !== undefined && input.type !== existing.type) {
    throw invalid("type", `cannot change (${existing.type}); create a new destination instead`);
  }
  for (const field of TYPE_FIELDS) {
    if (input[field] !== undefined && !FIELDS_OF[type].includes(field)) {
      throw invalid(field, `does not apply to ${type} destinations`);
    }
  }
  const triggers = input.triggers ?? existing?.triggers;
  if (!triggers) throw invalid("triggers", "is required");
  triggers.forEach((pattern, i) => {
    if (!isValidTriggerPattern(pattern))
      throw invalid(`triggers/${i}`, `"${pattern}" is not a trigger pattern`);
  });
  const { config, warnings } = buildConfig(type, input, seal, existing?.config);
  const checked = parseDestinationConfig(type, config);
  if (!checked.ok) throw new Error(`built an invalid ${type} config: ${checked.reason}`);
  const base = existing ?? DESTINATION_DEFAULTS;
  return {
    fields: {
      type,
      config: checked.value.config,
      triggers: [...new Set(triggers)],
      connector_ids:
        input.connectorIds === undefined ? (existing?.connector_ids ?? null) : input.connectorIds,
      description: input.description ?? base.description,
      enabled: input.enabled ?? base.enabled,
      ordered: input.ordered ?? base.ordered,
      retry_schedule_seconds:
        input.retry?.scheduleSeconds === undefined
          ? base.retry_schedule_seconds
          : input.retry.scheduleSeconds,
      retry_client_errors: input.retry?.retryClientErrors ?? base.retry_client_errors,
      max_in_flight: input.maxInFlight ?? base.max_in_flight,
      rate_limit_per_second:
        input.rateLimitPerSecond === undefined ? base.rate_limit_per_second : input.rateLimitPerSecond,
      timeout_ms: input.timeoutMs ?? base.timeout_ms,
    },
    warnings,
  };
}

type Built = { config: Record<string, unknown>; warnings: string[] };

function buildConfig(
  type: DestinationType,
  input: DestinationInput,
  seal: SealField,
  stored: Record<string, unknown> | undefined,
): Built {
  switch (type) {
    case "webhook":
      return buildWebhookConfig(input, seal, stored ?? {});
    case "batch":
      return buildBatchConfig(input, stored ?? {});
    case "amqp":
      return buildAmqpConfig(input, seal, stored ?? {});
  }
}

function checkedUrl(url: string | undefined): { url: string; warnings: string[] } {
  if (url === undefined) throw invalid("url", "is required");
  const problem = urlProblem(url);
  if (problem) throw invalid("url", problem);
  const warning = privateAddressWarning(url);
  return { url, warnings: warning ? [warning] : [] };
}

function buildWebhookConfig(
  input: DestinationInput,
  seal: SealField,
  stored: Record<string, unknown>,
): Built {
  const { url, warnings } = checkedUrl(input.url ?? (stored.url as string | undefined));
  if (input.headers) checkStaticHeaders(input.headers, "headers");
  const config: Record<string, unknown> = { url, headers: input.headers ?? stored.headers ?? {} };
  const format = input.format ?? stored.format;
  if (format !== undefined) config.format = format;
  const skipTlsCheck = input.skipTlsCheck ?? stored.skipTlsCheck;
  if (skipTlsCheck !== undefined) config.skipTlsCheck = skipTlsCheck;
  const authentication =
    input.authentication === undefined
      ? stored.authentication
      : input.authentication && sealAuthentication(input.authentication, seal);
  if (authentication) config.authentication = authentication;
  return { config, warnings };
}

function buildBatchConfig(input: DestinationInput, stored: Record<string, unknown>): Built {
  const { url, warnings } = checkedUrl(input.url ?? (stored.url as string | undefined));
  if (input.headers) checkStaticHeaders(input.headers, "headers");
  const publishIntervalSeconds = input.publishIntervalSeconds ?? stored.publishIntervalSeconds;
  if (publishIntervalSeconds === undefined) throw invalid("publishIntervalSeconds", "is required for batch");
  return {
    config: { url, headers: input.headers ?? stored.headers ?? {}, publishIntervalSeconds },
    warnings,
  };
}

function buildAmqpConfig(input: DestinationInput, seal: SealField, stored: Record<string, unknown>): Built {
  const amqp = input.amqp ?? {};
  let urlSealed = stored.urlSealed as string | undefined;
  const warnings: string[] = [];
  if (amqp.url !== undefined) {
    const problem = urlProblem(amqp.url, ["amqp:", "amqps:"]);
    if (problem) throw invalid("amqp/url", problem);
    urlSealed = seal(amqp.url, "urlSealed");
    const warning = privateAddressWarning(amqp.url);
    if (warning) warnings.push(warning);
  }
  if (urlSealed === undefined) throw invalid("amqp/url", "is required for amqp");
  const exchange = amqp.exchange ?? (stored.exchange as string | undefined);
  if (exchange === undefined) throw invalid("amqp/exchange", "is required for amqp");
  const config: Record<string, unknown> = { urlSealed, exchange };
  const routingKey = amqp.routingKey ?? stored.routingKey;
  if (routingKey !== undefined) config.routingKey = routingKey;
  return { config, warnings };
}

/** The Connector's target authentication with its secret sealed; each type's fields are required. */
export function sealAuthentication(
  auth: AuthenticationInput,
  seal: SealField,
  field = "authentication",
): StoredTargetAuthentication {
  if (auth.type === "ApiKey") {
    if (!auth.apiKey) throw invalid(`${field}/apiKey`, "is required for ApiKey");
    if (auth.headerName !== undefined) checkHeaderName(auth.headerName, `${field}/headerName`);
    return {
      type: "ApiKey",
      headerName: auth.headerName ?? DEFAULT_API_KEY_HEADER,
      apiKeySealed: seal(auth.apiKey, "authentication.apiKeySealed"),
    };
  }
  for (const name of ["accessTokenUrl", "clientId", "clientSecret"] as const) {
    if (!auth[name]) throw invalid(`${field}/${name}`, "is required for OAuth2");
  }
  const tokenUrlProblem = urlProblem(auth.accessTokenUrl ?? "");
  if (tokenUrlProblem) throw invalid(`${field}/accessTokenUrl`, tokenUrlProblem);
  const sealed: StoredTargetAuthentication = {
    type: "OAuth2",
    accessTokenUrl: auth.accessTokenUrl ?? "",
    clientId: auth.clientId ?? "",
    clientSecretSealed: seal(auth.clientSecret ?? "", "authentication.clientSecretSealed"),
  };
  if (auth.scope !== undefined) sealed.scope = auth.scope;
  return sealed;
}
