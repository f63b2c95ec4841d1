import { Type } from "typebox";
import { ConnectorId } from "./connector-schemas.ts";

export const KeyId = Type.String({
  pattern: "^key_[0-9A-Z]{26}$",
  examples: ["key_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
});

export const ApiKeyInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ["billing back end"] }),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      maxItems: 50,
      description:
        "Scope patterns with the Connector's wildcards (`*` one segment, `**` any): `webhooks:write`, `deliveries:read`, `core:**`, `**`. Only scopes the creating key holds.",
      examples: [["webhooks:*", "deliveries:read"]],
    }),
    connectorIds: Type.Optional(
      Type.Array(ConnectorId, {
        minItems: 1,
        maxItems: 100,
        description:
          "Limits the key to these Connectors (the hub's tenant): it sees and touches only them, their events and deliveries, the destinations, subscriptions and keys limited to them, and their Core API. Absent: the creating key's own list (every Connector for an unlimited key). Only Connectors the creating key may reach (403 otherwise).",
        examples: [["acme"]],
      }),
    ),
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  },
  {
    additionalProperties: false,
    examples: [{ name: "billing back end", scopes: ["webhooks:*", "deliveries:read"] }],
  },
);

const apiKeyExample = {
  id: "key_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  name: "billing back end",
  scopes: ["webhooks:*", "deliveries:read"],
  connectorIds: ["acme"],
  createdAt: "2025-01-01T00:00:00.000Z",
  expiresAt: null,
  revokedAt: null,
};

export const ApiKey = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(Type.String()),
    connectorIds: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: "The Connectors the key is limited to; null: every Connector",
    }),
    createdAt: Type.String({ format: "date-time" }),
    expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { examples: [apiKeyExample] },
);

export const CreatedApiKey = Type.Intersect(
  [ApiKey, Type.Object({ key: Type.String({ description: "The API key itself, shown only now." }) })],
  { examples: [{ ...apiKeyExample, key: "hubk_Zq3V4K6X8B2N5M7P9R1T3WZq3V4K6X8B2N5M7P9R1T3W" }] },
);
