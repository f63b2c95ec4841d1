-- webhook-dispatcher: a fencing token per lease. `lease_owner` names the process (one per replica,
-- kept for operators); the token is new for every claim, so a worker whose lease ran out and was
-- claimed again — by another replica or by its own process — can no longer change the delivery.
ALTER TABLE deliveries ADD COLUMN lease_token uuid;
