/** The Connector id of the hub's own `hub.test` events (send-test-event in api-gateway). */
export const TEST_EVENT_CONNECTOR_ID = "hub";

/**
 * The deliveries a caller with ConnectorAccess $n may see and touch (NULL: every one): of an
 * event of its Connectors (or a `hub.test` event) AND to a destination it may see, one limited to
 * Connectors within its list — attempts hold that receiver's answers, so a delivery to a
 * destination of wider reach stays hidden too.
 */
export function visibleDelivery(alias: string, n: number): string {
  return `($${n}::text[] IS NULL OR (
      (${alias}.connector_id = ANY ($${n}) OR ${alias}.connector_id = '${TEST_EVENT_CONNECTOR_ID}')
      AND EXISTS (SELECT 1 FROM destinations vis
                   WHERE vis.id = ${alias}.destination_id AND vis.connector_ids <@ $${n}::text[])))`;
}
