-- sync-worker's own state: the ingest outbox, replica heartbeats for the sync leases, and the
-- auto-accept automation's record of what it accepted.

-- Events ingest accepted while Pub/Sub failed or timed out. The relay publishes them in `seq` order
-- (per Connector, the order ingest accepted them) and deletes each row once Pub/Sub acked it.
-- The message is stored encoded, exactly as it will be published.
CREATE TABLE ingest_outbox (
  seq                    bigserial PRIMARY KEY,
  event_id               text NOT NULL UNIQUE,
  connector_id           text NOT NULL,
  ordering_key           text NOT NULL,
  data                   bytea NOT NULL,
  attributes             jsonb NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_outbox_connector_idx ON ingest_outbox (connector_id, seq);

-- Live sync-worker replicas (heartbeat), so each can take a fair share of the Connectors' sync leases.
CREATE TABLE sync_worker_replicas (
  id                     text PRIMARY KEY,
  started_at             timestamptz NOT NULL DEFAULT now(),
  expires_at             timestamptz NOT NULL
);

-- autoAcceptPendingRelationships: one row per relationship the automation handled, so a redelivered
-- or repeated event never accepts twice. `accepted_at` NULL: an attempt is under way or failed.
CREATE TABLE auto_accepted_relationships (
  connector_id           text NOT NULL,
  relationship_id        text NOT NULL,
  claimed_at             timestamptz NOT NULL DEFAULT now(),
  accepted_at            timestamptz,
  outcome                text,
  PRIMARY KEY (connector_id, relationship_id)
);
