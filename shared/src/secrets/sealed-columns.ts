import type { SealContext } from "../secrets.ts";

/**
 * Every place the hub stores a sealed value, as the SecretBox context that binds the value to it
 * (conventions in secrets.ts). Writers, readers and `make reseal` all take their context from here,
 * so a value sealed by one service opens in another and the reseal job misses none.
 */

/** The sealed fields inside `destinations.config` (jsonb), as dotted paths from the column. */
export const SEALED_CONFIG_PATHS = [
  "authentication.apiKeySealed",
  "authentication.clientSecretSealed",
  "urlSealed",
] as const;
export type SealedConfigPath = (typeof SEALED_CONFIG_PATHS)[number];

/** `connectors.api_key_sealed`: the Connector's own API key. */
export function connectorApiKeySealing(connectorId: string): SealContext {
  return { table: "connectors", column: "api_key_sealed", id: connectorId };
}

/**
 * `destination_secrets.secret_sealed`: a signing secret. The table has no id of its own; the
 * secrets of one destination are interchangeable (all of them sign), so the destination's id binds.
 */
export function signingSecretSealing(destinationId: string): SealContext {
  return { table: "destination_secrets", column: "secret_sealed", id: destinationId };
}

/** A sealed field of `destinations.config`: ApiKey / OAuth2 target credentials, AMQP URL. */
export function destinationConfigSealing(destinationId: string, path: SealedConfigPath): SealContext {
  return { table: "destinations", column: `config.${path}`, id: destinationId };
}

/** `idempotency_keys.response_body`: a stored answer (it may hold a created key or secret). */
export function idempotentAnswerSealing(principal: string, idempotencyKey: string): SealContext {
  return { table: "idempotency_keys", column: "response_body", id: `${principal}/${idempotencyKey}` };
}
