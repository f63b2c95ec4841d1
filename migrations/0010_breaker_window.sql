-- Issue 13: the circuit breaker reads a destination's failure RATE over a sliding window, not a
-- streak of consecutive failures. Outcomes of attempts (a claim counts once) are counted per
-- destination in short time buckets; the window is the sum of the buckets that started within it.
-- Rows older than the window are deleted when the destination fails and by the retention cleanup.
CREATE TABLE destination_outcomes (
  destination_id  text NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  bucket_start    timestamptz NOT NULL,
  successes       integer NOT NULL DEFAULT 0,
  failures        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (destination_id, bucket_start)
);

-- Half-open, bounded: how many probes may be in flight at once (written when the breaker opens, so
-- the claim and api-gateway read the bound from the row), and when the first probes went (the
-- open → half-open transition, recorded once by the claim that sent them).
ALTER TABLE destination_health
  ADD COLUMN breaker_probes integer,
  ADD COLUMN breaker_half_open_at timestamptz;
