/**
 * The NOTIFY channels between the services: one home, so a sender and its listener cannot drift
 * apart. A payload is a hint to look now; every listener also polls, since a NOTIFY sent while it
 * was not listening is gone.
 */

/** api-gateway's "sync now": NOTIFY with the Connector id as payload; sync-worker's scheduler listens. */
export const SYNC_REQUESTED_CHANNEL = "connector_sync_requested";
