import { Type } from "typebox";

/** Settings of the Connector automations (autoAcceptPendingRelationships). */
export const automationSettings = {
  AUTOMATIONS_ENABLED: Type.Boolean({
    default: true,
    description:
      "Consume the events topic for the per-Connector automations (autoAcceptPendingRelationships)",
  }),
  AUTOMATIONS_SUBSCRIPTION: Type.String({
    default: "",
    description:
      "Subscription on the events topic the automations consume; empty = <PUBSUB_TOPIC>-sync-worker-automations",
  }),
  CONNECTOR_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description: "Timeout of the automations' calls to a Connector's REST API",
  }),
};
