-- webhook-dispatcher: per-destination health (circuit breaker, auto-disable, rate limit) and the
-- indexes that keep finding due work independent of how many retries wait.

-- One row per destination that has been attempted. Written by webhook-dispatcher; api-gateway may
-- read it to show a destination's state.
CREATE TABLE destination_health (
  destination_id        text PRIMARY KEY REFERENCES destinations (id) ON DELETE CASCADE,
  consecutive_failures  integer NOT NULL DEFAULT 0,
  failing_since         timestamptz,          -- first failure after the last success; NULL: healthy
  breaker_open_until    timestamptz,          -- breaker open: nothing is sent before this time
  last_success_at       timestamptz,
  last_failure_at       timestamptz,
  rate_tokens           double precision,     -- token bucket of rate_limit_per_second
  rate_updated_at       timestamptz
);

-- Storage order of deliveries: ordered destinations deliver each Connector's events in this order.
ALTER TABLE deliveries ADD COLUMN seq bigserial;

-- Due work of one destination, read per destination so a large backlog elsewhere costs nothing.
CREATE INDEX deliveries_destination_due_idx ON deliveries (destination_id, next_attempt_at)
  WHERE status = 'pending';
-- Lanes of ordered destinations: one head per (destination, Connector).
CREATE INDEX deliveries_lane_idx ON deliveries (destination_id, connector_id, seq) WHERE status = 'pending';
-- Leased deliveries, counted against a destination's in-flight limit.
CREATE INDEX deliveries_leased_idx ON deliveries (destination_id)
  WHERE status = 'pending' AND lease_owner IS NOT NULL;
-- Retention: finished events are deleted oldest first.
CREATE INDEX events_stored_idx ON events (stored_at);
