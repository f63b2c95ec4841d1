-- api-gateway's own state: scoped API keys, Idempotency-Key replay records, Pub/Sub subscriptions
-- created for back ends.

-- API keys for the REST API. Only the SHA-256 of the key is kept: keys carry 192 random bits, so
-- a slow hash adds nothing. Scopes use the Connector's wildcards (`webhooks:write`, `core:**`, `**`).
CREATE TABLE api_keys (
  id                     text PRIMARY KEY,
  name                   text NOT NULL,
  key_hash               text NOT NULL UNIQUE,
  scopes                 text[] NOT NULL CHECK (cardinality(scopes) > 0),
  created_at             timestamptz NOT NULL DEFAULT now(),
  expires_at             timestamptz,          -- NULL: never
  revoked_at             timestamptz
);

-- A creating POST with an Idempotency-Key answers once; a repeat within the retention gets the same
-- answer. `status_code` is NULL while the first request still runs.
CREATE TABLE idempotency_keys (
  principal              text NOT NULL,        -- the API key id (or "admin") that sent it
  idempotency_key        text NOT NULL,
  request_hash           text NOT NULL,        -- method, path and body: a reused key with another body is refused
  status_code            integer,
  response_body          text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Pub/Sub subscriptions on the events topic that api-gateway created for back ends.
CREATE TABLE pubsub_subscriptions (
  id                     text PRIMARY KEY,
  name                   text NOT NULL UNIQUE, -- the Pub/Sub subscription name
  triggers               text[] NOT NULL CHECK (cardinality(triggers) > 0),
  connector_ids          text[],
  filter                 text NOT NULL,        -- what Pub/Sub got; '' for none
  settings               jsonb NOT NULL,       -- ack deadline, retention, dead letter, ordering, push endpoint
  created_at             timestamptz NOT NULL DEFAULT now()
);

-- Delivery lists filter by status (failed, parked) across destinations.
CREATE INDEX deliveries_status_idx ON deliveries (status, id);
