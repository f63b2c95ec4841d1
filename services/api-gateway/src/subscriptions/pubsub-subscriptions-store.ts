import { idPageSql, type IdPage } from "@event-hub/shared";
import type { Pool } from "pg";
import type { ConnectorAccess } from "../auth/connector-access.ts";

export type SubscriptionSettings = {
  ackDeadlineSeconds: number;
  retentionSeconds: number;
  ordered: boolean;
  deadLetter: { topic: string; maxDeliveryAttempts: number } | null;
  pushEndpoint: string | null;
};

export type SubscriptionRow = {
  id: string;
  name: string;
  triggers: string[];
  connector_ids: string[] | null;
  filter: string;
  settings: SubscriptionSettings;
  created_at: Date;
};

const COLUMNS = "id, name, triggers, connector_ids, filter, settings, created_at";

/**
 * Subscriptions a caller with ConnectorAccess $n may see and delete: every one when $n is NULL;
 * else those limited to Connectors within its list.
 */
const VISIBLE = (n: number) => `($${n}::text[] IS NULL OR connector_ids <@ $${n}::text[])`;

export async function insertSubscription(
  db: Pool,
  row: Omit<SubscriptionRow, "created_at">,
): Promise<SubscriptionRow> {
  const result = await db.query<SubscriptionRow>(
    `INSERT INTO pubsub_subscriptions (id, name, triggers, connector_ids, filter, settings)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [row.id, row.name, row.triggers, row.connector_ids, row.filter, row.settings],
  );
  return result.rows[0] as SubscriptionRow;
}

export async function findSubscription(
  db: Pool,
  id: string,
  access: ConnectorAccess,
): Promise<SubscriptionRow | undefined> {
  const result = await db.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM pubsub_subscriptions WHERE id = $1 AND ${VISIBLE(2)}`,
    [id, access],
  );
  return result.rows[0];
}

/** One page in id order. */
export async function listSubscriptions(
  db: Pool,
  page: IdPage,
  access: ConnectorAccess,
): Promise<SubscriptionRow[]> {
  const { after, orderBy } = idPageSql(page.order, "$1");
  const result = await db.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM pubsub_subscriptions WHERE ${after} AND ${VISIBLE(3)} ${orderBy} LIMIT $2`,
    [page.cursor ?? null, page.limit, access],
  );
  return result.rows;
}

export async function deleteSubscriptionRow(db: Pool, id: string, access: ConnectorAccess): Promise<void> {
  await db.query(`DELETE FROM pubsub_subscriptions WHERE id = $1 AND ${VISIBLE(2)}`, [id, access]);
}
