import { AppError } from "@event-hub/shared";

/**
 * The Connectors an API key may see and touch: a list (the key is limited to them, the hub's
 * tenant), or null for every Connector. Store queries take it and enforce it in their SQL
 * (`$n::text[] IS NULL OR connector_id = ANY ($n)`), so nothing is filtered after reading.
 */
export type ConnectorAccess = readonly string[] | null;

/**
 * The Connector list to store on something a key creates (a destination, a subscription, a key):
 * absent → the key's own list (an unlimited key keeps "absent"); a list or null the key is not
 * entitled to → 403. A limited key can therefore never create something that reaches beyond it.
 */
export function connectorIdsForNew(
  access: ConnectorAccess,
  requested: readonly string[] | null | undefined,
  field: string,
): string[] | null | undefined {
  if (access === null) return requested === undefined || requested === null ? requested : [...requested];
  if (requested === undefined) return [...access];
  return checkConnectorIds(access, requested, field);
}

/** A change of a Connector list (PATCH): the new list must lie within the key's own. */
export function checkConnectorIds(
  access: ConnectorAccess,
  requested: readonly string[] | null,
  field: string,
): string[] | null {
  if (access === null) return requested === null ? null : [...requested];
  if (requested === null) {
    throw new AppError(
      "error.hub.forbidden",
      `${field}: this API key is limited to Connectors and cannot grant every Connector`,
      403,
    );
  }
  const outside = requested.find((id) => !access.includes(id));
  if (outside !== undefined) {
    throw new AppError(
      "error.hub.forbidden",
      `${field}: this API key cannot grant the Connector "${outside}"`,
      403,
    );
  }
  return [...new Set(requested)];
}

/** Registering a Connector adds a tenant: only a key that is not limited may. */
export function assertUnlimited(access: ConnectorAccess, action: string): void {
  if (access !== null) {
    throw new AppError("error.hub.forbidden", `an API key limited to Connectors cannot ${action}`, 403);
  }
}
