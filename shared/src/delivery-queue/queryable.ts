import type { PoolClient } from "pg";

/** A pool or a client inside a transaction: whatever runs a statement. */
export type Queryable = Pick<PoolClient, "query">;

/**
 * The Connectors a caller may see and touch (an API key's `connectorIds`), or null for every
 * Connector. The queue's reads and requeues enforce it in their SQL, never after reading.
 */
export type ConnectorScope = readonly string[] | null;
