-- The hub's system of record. Pub/Sub is the transport; what must survive lives here.
-- Ids are prefixed ULIDs (con_, whk_, evt_, dlv_, att_): text that sorts by creation time.

-- Connectors registered through api-gateway; sync-worker reads them.
CREATE TABLE connectors (
  id                     text PRIMARY KEY,
  name                   text NOT NULL,
  base_url               text NOT NULL,
  api_prefix             text NOT NULL DEFAULT '/api/v2' CHECK (api_prefix IN ('/api/v2', '/api/core/v1')),
  api_key_sealed         text,                 -- the Connector's own API key, sealed with SECRETS_KEY
  ingest_key_hash        text NOT NULL,        -- sha256 of the credential the Connector's webhooks module sends us
  sync_interval_seconds  integer NOT NULL DEFAULT 60 CHECK (sync_interval_seconds >= 1),
  enabled                boolean NOT NULL DEFAULT true,
  automations            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Where events go: webhook endpoints, AMQP exchanges, batch (webhooks v1) endpoints.
CREATE TABLE destinations (
  id                     text PRIMARY KEY,
  type                   text NOT NULL CHECK (type IN ('webhook', 'amqp', 'batch')),
  description            text NOT NULL DEFAULT '',
  enabled                boolean NOT NULL DEFAULT true,
  disabled_reason        text,
  triggers               text[] NOT NULL CHECK (cardinality(triggers) > 0),
  connector_ids          text[],               -- NULL: events of every Connector
  config                 jsonb NOT NULL,       -- type-specific settings; secrets inside are sealed
  ordered                boolean NOT NULL DEFAULT false,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX destinations_enabled_idx ON destinations (enabled) WHERE enabled;

-- Signing secrets of a destination. Every secret not yet expired signs, so rotation has no gap.
CREATE TABLE destination_secrets (
  destination_id         text NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  secret_sealed          text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  expires_at             timestamptz          -- NULL: the current secret
);
CREATE INDEX destination_secrets_destination_idx ON destination_secrets (destination_id);

-- Every event the dispatcher consumed. `data` is json (not jsonb) so the exact text the Connector
-- sent is what receivers get and what signatures cover.
CREATE TABLE events (
  id                     text PRIMARY KEY,
  connector_id           text NOT NULL,
  trigger                text NOT NULL,
  data                   json NOT NULL,
  correlation_id         text,
  occurred_at            timestamptz NOT NULL,
  stored_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_connector_idx ON events (connector_id, id);
CREATE INDEX events_trigger_idx ON events (trigger, id);
CREATE INDEX events_correlation_idx ON events (correlation_id) WHERE correlation_id IS NOT NULL;

-- One delivery per (event, destination). A claimed delivery stays 'pending' with next_attempt_at
-- pushed to the end of its lease: if the worker dies, the delivery simply becomes due again.
CREATE TABLE deliveries (
  id                     text PRIMARY KEY,
  event_id               text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  destination_id         text NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  connector_id           text NOT NULL,
  status                 text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'parked')),
  attempt_count          integer NOT NULL DEFAULT 0,
  next_attempt_at        timestamptz NOT NULL DEFAULT now(),
  lease_owner            text,
  last_error             text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  finished_at            timestamptz,
  UNIQUE (event_id, destination_id)
);
-- Finding due work reads only pending rows in time order, however many wait for later retries.
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_destination_idx ON deliveries (destination_id, status, id);

CREATE TABLE delivery_attempts (
  id                     text PRIMARY KEY,
  delivery_id            text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt_number         integer NOT NULL,
  started_at             timestamptz NOT NULL,
  duration_ms            integer NOT NULL,
  outcome                text NOT NULL,
  status_code            integer,
  response_headers       jsonb,
  response_body          text,
  error                  text,
  next_attempt_at        timestamptz,
  UNIQUE (delivery_id, attempt_number)
);
