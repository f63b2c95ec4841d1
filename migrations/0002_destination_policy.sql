-- Delivery policy per destination: written by api-gateway, obeyed by webhook-dispatcher.
ALTER TABLE destinations
  ADD COLUMN retry_schedule_seconds integer[],   -- NULL: the default schedule (about two days)
  ADD COLUMN retry_client_errors    boolean NOT NULL DEFAULT true,  -- false: a 4xx other than 408/429 fails at once
  ADD COLUMN max_in_flight          integer NOT NULL DEFAULT 10 CHECK (max_in_flight >= 1),
  ADD COLUMN rate_limit_per_second  double precision CHECK (rate_limit_per_second > 0),  -- NULL: unlimited
  ADD COLUMN timeout_ms             integer NOT NULL DEFAULT 15000 CHECK (timeout_ms BETWEEN 100 AND 120000);

-- Attempts made before the current retry schedule began. A manual resend or recover sets it to
-- attempt_count, so the re-queued delivery gets the whole schedule again.
ALTER TABLE deliveries ADD COLUMN schedule_offset integer NOT NULL DEFAULT 0;
