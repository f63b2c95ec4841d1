import { Type } from "typebox";
import { SUBSCRIPTION_DEFAULTS as DEFAULTS } from "../subscriptions/subscription-defaults.ts";
import { ConnectorIds, Triggers } from "./webhook-schemas.ts";

export const SubscriptionId = Type.String({
  pattern: "^sub_[0-9A-Z]{26}$",
  examples: ["sub_01J9ZQ3V4K6X8B2N5M7P9R1T3W"],
});
const TopicName = Type.String({ pattern: "^(?!goog)[A-Za-z][A-Za-z0-9._~%+-]{2,254}$" });

export const SubscriptionInput = Type.Object(
  {
    name: Type.String({
      ...TopicName,
      description: "The Pub/Sub subscription name",
      examples: ["billing-events"],
    }),
    triggers: Triggers,
    connectorIds: Type.Optional(ConnectorIds),
    ackDeadlineSeconds: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 600, default: DEFAULTS.ackDeadlineSeconds }),
    ),
    retentionSeconds: Type.Optional(
      Type.Integer({ minimum: 600, maximum: 604800, default: DEFAULTS.retentionSeconds }),
    ),
    ordered: Type.Optional(
      Type.Boolean({
        description: `Message ordering (the ordering key is the Connector id). Default ${DEFAULTS.ordered}`,
      }),
    ),
    deadLetter: Type.Optional(
      Type.Object(
        {
          topic: Type.String({ ...TopicName, description: "Created when missing" }),
          maxDeliveryAttempts: Type.Integer({ minimum: 5, maximum: 100 }),
        },
        { additionalProperties: false },
      ),
    ),
    pushEndpoint: Type.Optional(Type.String({ pattern: "^https?://[^\\s]+$", maxLength: 2048 })),
  },
  {
    additionalProperties: false,
    description:
      "Triggers become a Pub/Sub filter on the `namespace` attribute: exact names as `=`, `prefix.*`/`prefix.**` as `hasPrefix`; other wildcards are approximated (see `notes`).",
    examples: [{ name: "billing-events", triggers: ["transport.messageReceived"], connectorIds: ["acme"] }],
  },
);

const subscriptionExample = {
  id: "sub_01J9ZQ3V4K6X8B2N5M7P9R1T3W",
  name: "billing-events",
  triggers: ["transport.messageReceived"],
  connectorIds: ["acme"],
  filter: '(attributes.namespace = "transport.messageReceived") AND (attributes.connectorId = "acme")',
  ackDeadlineSeconds: 60,
  retentionSeconds: 604800,
  ordered: false,
  deadLetter: null,
  pushEndpoint: null,
  createdAt: "2025-01-01T00:00:00.000Z",
};

export const Subscription = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    triggers: Type.Array(Type.String()),
    connectorIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
    filter: Type.String({ description: "The filter Pub/Sub applies; empty: none" }),
    ackDeadlineSeconds: Type.Integer(),
    retentionSeconds: Type.Integer(),
    ordered: Type.Boolean(),
    deadLetter: Type.Union([
      Type.Object({ topic: Type.String(), maxDeliveryAttempts: Type.Integer() }),
      Type.Null(),
    ]),
    pushEndpoint: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: "date-time" }),
  },
  { examples: [subscriptionExample] },
);

export const CreatedSubscription = Type.Intersect(
  [
    Subscription,
    Type.Object({
      isExact: Type.Boolean({ description: "false: the filter lets more through than the triggers" }),
      notes: Type.Array(Type.String()),
    }),
  ],
  { examples: [{ ...subscriptionExample, isExact: true, notes: [] }] },
);
