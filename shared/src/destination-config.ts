import { Type, type Static, type TSchema } from "typebox";
import { Value } from "typebox/value";

/**
 * The stored `destinations.config` of each destination type: api-gateway writes it, the
 * dispatcher reads it. Secrets inside are sealed (fields ending in `Sealed`, see secrets.ts);
 * the API's input shapes, with plaintext secrets, belong to api-gateway.
 */

const Headers = Type.Record(Type.String(), Type.String());

/** The Connector's webhook target authentication, with its secret sealed. */
export const StoredTargetAuthentication = Type.Union([
  Type.Object({
    type: Type.Literal("ApiKey"),
    headerName: Type.String({ default: "x-api-key" }),
    apiKeySealed: Type.String(),
  }),
  Type.Object({
    type: Type.Literal("OAuth2"),
    accessTokenUrl: Type.String(),
    clientId: Type.String(),
    clientSecretSealed: Type.String(),
    scope: Type.Optional(Type.String()),
  }),
]);

export const WebhookDestinationConfig = Type.Object({
  /** `{{trigger}}` is replaced by the event's trigger (first occurrence, as the Connector does). */
  url: Type.String(),
  headers: Type.Optional(Headers),
  /** `connector`: `{"trigger","data"}` (default); `cloudevents`: CloudEvents structured JSON. */
  format: Type.Optional(Type.Union([Type.Literal("connector"), Type.Literal("cloudevents")])),
  skipTlsCheck: Type.Optional(Type.Boolean()),
  authentication: Type.Optional(StoredTargetAuthentication),
});

export const AmqpDestinationConfig = Type.Object({
  /** amqp(s)://user:password@host/vhost — sealed, since it carries credentials. */
  urlSealed: Type.String(),
  exchange: Type.String(),
  /** Routing key template; default `{{trigger}}`, the Connector's AMQP publisher's routing key. */
  routingKey: Type.Optional(Type.String()),
});

/** The deprecated webhooks v1: every publishIntervalSeconds one POST of `{messages, relationships}`. */
export const BatchDestinationConfig = Type.Object({
  url: Type.String(),
  headers: Type.Optional(Headers),
  publishIntervalSeconds: Type.Integer({ minimum: 1 }),
});

export type StoredTargetAuthentication = Static<typeof StoredTargetAuthentication>;
export type WebhookDestinationConfig = Static<typeof WebhookDestinationConfig>;
export type AmqpDestinationConfig = Static<typeof AmqpDestinationConfig>;
export type BatchDestinationConfig = Static<typeof BatchDestinationConfig>;

export type DestinationConfig =
  | { type: "webhook"; config: WebhookDestinationConfig }
  | { type: "amqp"; config: AmqpDestinationConfig }
  | { type: "batch"; config: BatchDestinationConfig };

const SCHEMAS: Record<DestinationConfig["type"], TSchema> = {
  webhook: WebhookDestinationConfig,
  amqp: AmqpDestinationConfig,
  batch: BatchDestinationConfig,
};

/** Reads a stored config; a row that does not fit its type is reported, never half-used. */
export function parseDestinationConfig(
  type: string,
  config: unknown,
): { ok: true; value: DestinationConfig } | { ok: false; reason: string } {
  const schema = SCHEMAS[type as DestinationConfig["type"]];
  if (!schema) return { ok: false, reason: `unknown destination type "${type}"` };
  if (!Value.Check(schema, config)) {
    const first = Value.Errors(schema, config)[0];
    return {
      ok: false,
      reason: `${type} config ${first ? `${first.instancePath} ${first.message}` : "is invalid"}`,
    };
  }
  return { ok: true, value: { type, config } as DestinationConfig };
}
