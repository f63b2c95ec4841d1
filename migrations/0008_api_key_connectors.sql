-- api-gateway: an API key may be limited to a list of Connectors (the hub's tenant). Such a key sees
-- and touches only those Connectors, their events and deliveries, and the destinations, Pub/Sub
-- subscriptions and keys limited to them. NULL: every Connector (the keys created before).
ALTER TABLE api_keys
  ADD COLUMN connector_ids text[] CHECK (connector_ids IS NULL OR cardinality(connector_ids) > 0);
