import { idPageSql, type IdPage } from "../db/id-page.ts";
import type { ConnectorScope, Queryable } from "./queryable.ts";

export type EventRow = {
  id: string;
  connector_id: string;
  trigger: string;
  data: unknown;
  correlation_id: string | null;
  occurred_at: Date;
  stored_at: Date;
};

const COLUMNS = "id, connector_id, trigger, data, correlation_id, occurred_at, stored_at";

/** Reads take the caller's ConnectorScope ($n NULL: every Connector); other Connectors' events are absent. */
export async function findEvent(
  db: Queryable,
  id: string,
  access: ConnectorScope,
): Promise<EventRow | undefined> {
  const result = await db.query<EventRow>(
    `SELECT ${COLUMNS} FROM events WHERE id = $1 AND ($2::text[] IS NULL OR connector_id = ANY ($2))`,
    [id, access],
  );
  return result.rows[0];
}

export type EventFilter = {
  /** From triggerPatternRegex. */
  triggerRegex?: string;
  connectorId?: string;
  correlationId?: string;
  since?: Date;
  until?: Date;
};

/** One page in id (creation) order. */
export async function listEvents(
  db: Queryable,
  page: IdPage,
  filter: EventFilter,
  access: ConnectorScope,
): Promise<EventRow[]> {
  const { after, orderBy } = idPageSql(page.order, "$1");
  const result = await db.query<EventRow>(
    `SELECT ${COLUMNS} FROM events
      WHERE ${after}
        AND ($3::text IS NULL OR ('.' || trigger) ~ $3)
        AND ($4::text IS NULL OR connector_id = $4)
        AND ($5::text IS NULL OR correlation_id = $5)
        AND ($6::timestamptz IS NULL OR occurred_at >= $6)
        AND ($7::timestamptz IS NULL OR occurred_at < $7)
        AND ($8::text[] IS NULL OR connector_id = ANY ($8))
      ${orderBy} LIMIT $2`,
    [
      page.cursor ?? null,
      page.limit,
      filter.triggerRegex ?? null,
      filter.connectorId ?? null,
      filter.correlationId ?? null,
      filter.since ?? null,
      filter.until ?? null,
      access,
    ],
  );
  return result.rows;
}
