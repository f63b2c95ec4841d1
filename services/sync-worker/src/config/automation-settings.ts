import { Type } from "typebox";

/** Settings of the Connector automations (autoAcceptPendingRelationships). */
export const automationSettings = {
  AUTOMATIONS_ENABLED: Type.Boolean({
    default: true,
    description:
      "Consume the events topic for the per-Connector automations (autoAcceptPendingRelationships)",
  }),
  CONNECTOR_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description: "Timeout of the automations' calls to a Connector's REST API",
  }),
};
