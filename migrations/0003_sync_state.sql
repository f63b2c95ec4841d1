-- Per-Connector sync state: sync-worker owns the lease and the outcome columns; api-gateway reads
-- them for a Connector's status and requests an immediate sync by setting sync_requested_at
-- (upsert) and sending NOTIFY connector_sync_requested with the Connector id as payload.
CREATE TABLE connector_sync_state (
  connector_id          text PRIMARY KEY REFERENCES connectors (id) ON DELETE CASCADE,
  lease_owner           text,
  lease_expires_at      timestamptz,
  next_sync_at          timestamptz NOT NULL DEFAULT now(),
  sync_requested_at     timestamptz,
  last_started_at       timestamptz,
  last_succeeded_at     timestamptz,
  last_failed_at        timestamptz,
  last_error            text,
  consecutive_failures  integer NOT NULL DEFAULT 0,
  last_correlation_id   text
);
CREATE INDEX connector_sync_state_due_idx ON connector_sync_state (next_sync_at);

-- A Connector may also publish with its own messageBrokerPublisher (type PubSub) to a topic the hub
-- consumes through this subscription; sync-worker republishes those events normalised.
ALTER TABLE connectors ADD COLUMN broker_subscription text;
