-- webhook-dispatcher: batch (webhooks v1) destinations send at most one POST per publishIntervalSeconds.
-- When the destination's last batch was claimed; the next one may start an interval later.
ALTER TABLE destination_health ADD COLUMN batch_started_at timestamptz;
