import { Type } from "typebox";
import {
  DEFAULT_API_KEY_HEADER,
  DESTINATION_DEFAULTS as DEFAULTS,
} from "../webhooks/destination-defaults.ts";
import { SSRF_RULE } from "../webhooks/url-policy.ts";

export const WebhookId = Type.String({
  pattern: "^whk_[0-9A-Z]{26}$",
  examples: ["whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
});

const Url = Type.String({
  pattern: "^https?://[^\\s]+$",
  maxLength: 2048,
  description: `Target URL; \`{{trigger}}\` is replaced by the event's trigger, as the Connector does. ${SSRF_RULE}`,
  examples: ["https://example.com/hooks/{{trigger}}"],
});

/** Any HTTP header name (an RFC 9110 token), as the Connector's config takes and Node sends. */
const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$";

const Headers = Type.Record(Type.String({ pattern: HEADER_NAME_PATTERN }), Type.String({ maxLength: 4096 }), {
  description:
    "Static headers sent with every request. Values are RFC 9110 field values (no CR, LF, NUL or " +
    "other control characters, nothing above U+00FF); the headers the hub sets (webhook-id, " +
    "webhook-timestamp, webhook-signature) and framing headers (host, content-length, " +
    "transfer-encoding, connection…) cannot be set (400 naming the header).",
  examples: [{ "a-header": "a-value" }],
});

export const Triggers = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  minItems: 1,
  maxItems: 100,
  description: "Trigger patterns with the Connector's wildcards: `*` one segment, `**` any.",
  examples: [["transport.messageReceived", "consumption.*"]],
});

export const ConnectorIds = Type.Array(Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$" }), {
  minItems: 1,
  maxItems: 1000,
  description:
    "Only events of these Connectors; absent or null: every Connector. A key limited to Connectors: absent takes its list; null or other Connectors are a 403.",
});

/** The Connector's target authentication (secrets write-only). */
export const AuthenticationInput = Type.Object(
  {
    type: Type.Union([Type.Literal("ApiKey"), Type.Literal("OAuth2")]),
    headerName: Type.Optional(
      Type.String({ pattern: HEADER_NAME_PATTERN, description: `Default ${DEFAULT_API_KEY_HEADER}` }),
    ),
    apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: "ApiKey: write-only" })),
    accessTokenUrl: Type.Optional(Type.String({ pattern: "^https?://", maxLength: 2048 })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    clientSecret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: "OAuth2: write-only" }),
    ),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, description: 'e.g. `{"type": "ApiKey", "apiKey": "…"}`' },
);

const destinationProperties = {
  url: Type.Optional(Url),
  headers: Type.Optional(Headers),
  format: Type.Optional(
    Type.Union([Type.Literal("connector"), Type.Literal("cloudevents")], {
      description: "`connector` (default): `{trigger, data}`; `cloudevents`: structured CloudEvents JSON",
    }),
  ),
  skipTlsCheck: Type.Optional(Type.Boolean()),
  authentication: Type.Optional(Type.Union([AuthenticationInput, Type.Null()])),
  amqp: Type.Optional(
    Type.Object(
      {
        url: Type.Optional(
          Type.String({
            pattern: "^amqps?://",
            maxLength: 2048,
            description: "Write-only (carries credentials)",
          }),
        ),
        exchange: Type.Optional(Type.String({ maxLength: 255 })),
        routingKey: Type.Optional(Type.String({ maxLength: 255, description: "Default `{{trigger}}`" })),
      },
      { additionalProperties: false },
    ),
  ),
  publishIntervalSeconds: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 86400, description: "batch only" }),
  ),
  connectorIds: Type.Optional(Type.Union([ConnectorIds, Type.Null()])),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  enabled: Type.Optional(Type.Boolean({ description: `Default ${DEFAULTS.enabled}` })),
  ordered: Type.Optional(
    Type.Boolean({
      description: `Deliver one Connector's events to this destination one at a time, in order. Default ${DEFAULTS.ordered}`,
    }),
  ),
  retry: Type.Optional(
    Type.Object(
      {
        scheduleSeconds: Type.Optional(
          Type.Union(
            [
              Type.Array(Type.Integer({ minimum: 1, maximum: 604800 }), { minItems: 1, maxItems: 50 }),
              Type.Null(),
            ],
            { description: "Seconds before each retry; null (default): the dispatcher's schedule" },
          ),
        ),
        retryClientErrors: Type.Optional(
          Type.Boolean({
            description: `false: a 4xx other than 408/429 fails at once. Default ${DEFAULTS.retry_client_errors}`,
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ),
  maxInFlight: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: `Default ${DEFAULTS.max_in_flight}` }),
  ),
  rateLimitPerSecond: Type.Optional(
    Type.Union([Type.Number({ minimum: 0.001, maximum: 10000 }), Type.Null()], {
      description: "null (default): no limit",
    }),
  ),
  timeoutMs: Type.Optional(
    Type.Integer({ minimum: 100, maximum: 120000, description: `Default ${DEFAULTS.timeout_ms}` }),
  ),
};

const DestinationType = Type.Union([Type.Literal("webhook"), Type.Literal("amqp"), Type.Literal("batch")], {
  description: "webhook (default): POST per event; amqp: publish to an exchange; batch: webhooks v1 batches",
});

export const DestinationInput = Type.Object(
  { type: Type.Optional(DestinationType), triggers: Triggers, ...destinationProperties },
  {
    additionalProperties: false,
    examples: [{ url: "https://example.com/hooks/{{trigger}}", triggers: ["transport.**"] }],
  },
);

export const DestinationPatch = Type.Object(
  { type: Type.Optional(DestinationType), triggers: Type.Optional(Triggers), ...destinationProperties },
  { additionalProperties: false, minProperties: 1, examples: [{ description: "billing", timeoutMs: 5000 }] },
);

/** A target of the Connector's webhooks module (connector-modules.md §3). */
export const ConnectorTarget = Type.Object(
  {
    url: Type.String({ maxLength: 2048 }),
    headers: Type.Optional(Headers),
    authentication: Type.Optional(AuthenticationInput),
  },
  { additionalProperties: false },
);

/** The Connector's `modules.webhooks` config, as pasted from its config.json, plus `connectorIds`. */
export const WebhooksConfigImport = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: "Ignored (the Connector module's switch)" })),
    location: Type.Optional(Type.String({ description: "Ignored" })),
    displayName: Type.Optional(Type.String({ description: "Ignored" })),
    skipTlsCheck: Type.Optional(Type.Boolean()),
    targets: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), ConnectorTarget)),
    webhooks: Type.Array(
      Type.Object(
        { triggers: Triggers, target: Type.Union([Type.String({ minLength: 1 }), ConnectorTarget]) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    connectorIds: Type.Optional(ConnectorIds),
  },
  {
    additionalProperties: false,
    description:
      "A Connector's `modules.webhooks` config; `connectorIds` scopes the destinations (hub extension)",
    examples: [
      {
        targets: { t1: { url: "https://example.com/hooks/{{trigger}}", headers: { "a-header": "a-value" } } },
        webhooks: [{ triggers: ["transport.messageReceived", "consumption.*"], target: "t1" }],
        connectorIds: ["acme"],
      },
    ],
  },
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const destinationExample = {
  id: "whk_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  type: "webhook",
  description: "billing",
  triggers: ["transport.**"],
  connectorIds: ["acme"],
  enabled: true,
  disabledReason: null,
  ordered: false,
  url: "https://example.com/hooks/{{trigger}}",
  headers: { "a-header": "a-value" },
  format: "connector",
  skipTlsCheck: false,
  retry: { scheduleSeconds: null, retryClientErrors: false },
  maxInFlight: 10,
  rateLimitPerSecond: null,
  timeoutMs: 10000,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
};

export const Destination = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    description: Type.String(),
    triggers: Type.Array(Type.String()),
    connectorIds: Nullable(Type.Array(Type.String())),
    enabled: Type.Boolean(),
    disabledReason: Nullable(Type.String()),
    ordered: Type.Boolean(),
    url: Type.Optional(Type.String()),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    format: Type.Optional(Type.String()),
    skipTlsCheck: Type.Optional(Type.Boolean()),
    authentication: Type.Optional(
      Type.Object({
        type: Type.String(),
        headerName: Type.Optional(Type.String()),
        accessTokenUrl: Type.Optional(Type.String()),
        clientId: Type.Optional(Type.String()),
        scope: Type.Optional(Type.String()),
      }),
    ),
    amqp: Type.Optional(Type.Object({ exchange: Type.String(), routingKey: Type.String() })),
    publishIntervalSeconds: Type.Optional(Type.Integer()),
    retry: Type.Object({
      scheduleSeconds: Nullable(Type.Array(Type.Integer())),
      retryClientErrors: Type.Boolean(),
    }),
    maxInFlight: Type.Integer(),
    rateLimitPerSecond: Nullable(Type.Number()),
    timeoutMs: Type.Integer(),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { examples: [destinationExample] },
);

/** `enable`'s answer: the destination and how many parked deliveries it made due again. */
export const EnabledDestination = Type.Intersect(
  [
    Destination,
    Type.Object({ unparkedDeliveries: Type.Integer({ description: "Parked deliveries now due" }) }),
  ],
  { examples: [{ ...destinationExample, unparkedDeliveries: 12 }] },
);

export const CreatedDestination = Type.Intersect(
  [
    Destination,
    Type.Object({
      secret: Type.String({ description: "Signing secret (whsec_…), shown only now." }),
      warnings: Type.Array(Type.String(), { description: "e.g. the URL names a private address" }),
    }),
  ],
  { examples: [{ ...destinationExample, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", warnings: [] }] },
);
