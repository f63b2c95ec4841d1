import { Type } from "typebox";
import { CONNECTOR_DEFAULTS as DEFAULTS } from "../connectors/connector-defaults.ts";

export const ConnectorId = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", examples: ["acme"] });

const Automations = Type.Object(
  {
    autoAcceptPendingRelationships: Type.Boolean({
      description: `Accept incoming pending relationships automatically (not for production). Default ${DEFAULTS.autoAcceptPendingRelationships}`,
    }),
  },
  { additionalProperties: false },
);

/**
 * Scheme, host, port and an optional path: no user info, query or fragment (nor `\\`, which URL
 * parsers disagree on), so the Connector's key is only ever sent to the host this names.
 */
const BaseUrl = Type.String({
  format: "uri",
  pattern: "^https?://[^/?#@\\\\\\s]+(/[^?#\\\\\\s]*)?$",
  description:
    "The Connector's address: http(s), host, port and an optional path; no user info, query or fragment. " +
    "Changing it needs the Connector's `apiKey` in the same request. The hub connects only where its SSRF policy allows (SSRF_ALLOW).",
  examples: ["http://connector-a:8080"],
});
const ApiPrefix = Type.Union([Type.Literal("/api/v2"), Type.Literal("/api/core/v1")], {
  description: `\`/api/v2\` for Connector 3–6, \`/api/core/v1\` for 7 and later. Default \`${DEFAULTS.apiPrefix}\``,
});
const SyncInterval = Type.Integer({
  minimum: 1,
  maximum: 86400,
  description: `Seconds between syncs. Default ${DEFAULTS.syncIntervalSeconds}`,
});
const BrokerSubscription = Type.String({
  pattern: "^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$",
  description: "Pub/Sub subscription on the topic the Connector's messageBrokerPublisher writes to",
});

export const ConnectorInput = Type.Object(
  {
    id: Type.Optional(ConnectorId),
    name: Type.String({ minLength: 1, maxLength: 200, examples: ["ACME Connector"] }),
    baseUrl: BaseUrl,
    apiPrefix: Type.Optional(ApiPrefix),
    apiKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: "The Connector's own API key; never returned.",
      }),
    ),
    syncIntervalSeconds: Type.Optional(SyncInterval),
    enabled: Type.Optional(Type.Boolean()),
    automations: Type.Optional(Type.Partial(Automations)),
    brokerSubscription: Type.Optional(BrokerSubscription),
  },
  {
    additionalProperties: false,
    examples: [
      {
        id: "acme",
        name: "ACME Connector",
        baseUrl: "http://connector-a:8080",
        apiKey: "the-connectors-key",
      },
    ],
  },
);

export const ConnectorPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    baseUrl: Type.Optional(BaseUrl),
    apiPrefix: Type.Optional(ApiPrefix),
    apiKey: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()], {
        description: "A new API key of the Connector, or null to remove it",
      }),
    ),
    syncIntervalSeconds: Type.Optional(SyncInterval),
    enabled: Type.Optional(Type.Boolean()),
    automations: Type.Optional(Type.Partial(Automations)),
    brokerSubscription: Type.Optional(Type.Union([BrokerSubscription, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ syncIntervalSeconds: 30 }] },
);

const Timestamp = Type.Union([Type.String({ format: "date-time" }), Type.Null()]);

const SyncStatus = Type.Object(
  {
    nextSyncAt: Timestamp,
    syncRequestedAt: Timestamp,
    lastStartedAt: Timestamp,
    lastSucceededAt: Timestamp,
    lastFailedAt: Timestamp,
    lastError: Type.Union([Type.String(), Type.Null()], {
      description:
        "Why the last sync failed; null once a later sync succeeded (`lastFailedAt` still says when)",
    }),
    consecutiveFailures: Type.Integer(),
    lagSeconds: Type.Union([Type.Number(), Type.Null()], {
      description: "Seconds since the last successful sync; null before the first",
    }),
  },
  { description: "sync-worker's record; all null before its first sync" },
);

const connectorExample = {
  id: "acme",
  name: "ACME Connector",
  baseUrl: "http://connector-a:8080",
  apiPrefix: "/api/v2",
  hasApiKey: true,
  syncIntervalSeconds: 60,
  enabled: true,
  automations: { autoAcceptPendingRelationships: false },
  brokerSubscription: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
};

export const Connector = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    baseUrl: Type.String(),
    apiPrefix: Type.String(),
    hasApiKey: Type.Boolean(),
    syncIntervalSeconds: Type.Integer(),
    enabled: Type.Boolean(),
    automations: Automations,
    brokerSubscription: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { examples: [connectorExample] },
);

export const ConnectorWithStatus = Type.Intersect([Connector, Type.Object({ sync: SyncStatus })], {
  examples: [
    {
      ...connectorExample,
      sync: {
        nextSyncAt: "2025-01-01T00:01:00.000Z",
        syncRequestedAt: null,
        lastStartedAt: "2025-01-01T00:00:00.000Z",
        lastSucceededAt: "2025-01-01T00:00:01.000Z",
        lastFailedAt: null,
        lastError: null,
        consecutiveFailures: 0,
        lagSeconds: 12.5,
      },
    },
  ],
});

const ingestExample = {
  url: "https://hub.example.com/v1/ingest/acme",
  authentication: {
    type: "ApiKey",
    headerName: "x-api-key",
    apiKey: "ingk_Zq3V4K6X8B2N5M7P9R1T3WZq3V4K6X8B2N",
  },
};

export const IngestCredential = Type.Object(
  {
    url: Type.String({ examples: ["https://hub.example.com/v1/ingest/acme"] }),
    authentication: Type.Object({
      type: Type.Literal("ApiKey"),
      headerName: Type.String(),
      apiKey: Type.String({ description: "Shown once. Put it in the Connector's webhooks target." }),
    }),
  },
  { examples: [ingestExample] },
);

export const RegisteredConnector = Type.Object(
  { connector: Connector, ingest: IngestCredential },
  { examples: [{ connector: connectorExample, ingest: ingestExample }] },
);
