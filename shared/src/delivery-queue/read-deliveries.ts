import { idPageSql, type IdPage } from "../db/id-page.ts";
import type { DeliveryStatus } from "./delivery-status.ts";
import type { ConnectorScope, Queryable } from "./queryable.ts";
import { visibleDelivery } from "./visibility.ts";

export type DeliveryRow = {
  id: string;
  event_id: string;
  destination_id: string;
  connector_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
};

export type AttemptRow = {
  id: string;
  attempt_number: number;
  started_at: Date;
  duration_ms: number;
  outcome: string;
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  error: string | null;
  next_attempt_at: Date | null;
};

/** The columns of a `DeliveryRow`. */
export const DELIVERY_COLUMNS = `id, event_id, destination_id, connector_id, status, attempt_count, next_attempt_at, last_error,
  created_at, finished_at`;

export async function findDelivery(
  db: Queryable,
  id: string,
  access: ConnectorScope,
): Promise<DeliveryRow | undefined> {
  const result = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE id = $1 AND ${visibleDelivery("d", 2)}`,
    [id, access],
  );
  return result.rows[0];
}

export async function listAttempts(
  db: Queryable,
  deliveryId: string,
  access: ConnectorScope,
): Promise<AttemptRow[]> {
  const result = await db.query<AttemptRow>(
    `SELECT a.id, a.attempt_number, a.started_at, a.duration_ms, a.outcome, a.status_code, a.response_headers,
            a.response_body, a.error, a.next_attempt_at
       FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
      WHERE a.delivery_id = $1 AND ${visibleDelivery("d", 2)}
      ORDER BY a.attempt_number`,
    [deliveryId, access],
  );
  return result.rows;
}

export type DeliveryFilter = {
  destinationId?: string;
  connectorId?: string;
  eventId?: string;
  status?: string;
  since?: Date;
  until?: Date;
};

/** One page in id (creation) order. */
export async function listDeliveries(
  db: Queryable,
  page: IdPage,
  filter: DeliveryFilter,
  access: ConnectorScope,
): Promise<DeliveryRow[]> {
  const { after, orderBy } = idPageSql(page.order, "$1");
  const result = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d
      WHERE ${visibleDelivery("d", 9)}
        AND ${after}
        AND ($3::text IS NULL OR destination_id = $3)
        AND ($4::text IS NULL OR connector_id = $4)
        AND ($5::text IS NULL OR event_id = $5)
        AND ($6::text IS NULL OR status = $6)
        AND ($7::timestamptz IS NULL OR created_at >= $7)
        AND ($8::timestamptz IS NULL OR created_at < $8)
      ${orderBy} LIMIT $2`,
    [
      page.cursor ?? null,
      page.limit,
      filter.destinationId ?? null,
      filter.connectorId ?? null,
      filter.eventId ?? null,
      filter.status ?? null,
      filter.since ?? null,
      filter.until ?? null,
      access,
    ],
  );
  return result.rows;
}

export async function listDeliveriesOfEvent(
  db: Queryable,
  eventId: string,
  access: ConnectorScope,
): Promise<DeliveryRow[]> {
  const result = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE event_id = $1 AND ${visibleDelivery("d", 2)} ORDER BY id`,
    [eventId, access],
  );
  return result.rows;
}
