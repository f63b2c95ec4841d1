/**
 * What a Connector registered through the API gets for each setting its body leaves out. The one
 * place these values live: register-connector.ts fills them in and routes/connector-schemas.ts states
 * them in the API's descriptions.
 */
export const CONNECTOR_DEFAULTS = {
  apiPrefix: "/api/v2",
  syncIntervalSeconds: 60,
  enabled: true,
  autoAcceptPendingRelationships: false,
} as const;
