-- A fencing token for the worker's lease. Every claim writes a new one; completing, failing, renewing the lease and
-- writing an event's effects all require the token of the current claim, so a run whose lease was lost (and whose
-- row another run has claimed, perhaps in the same worker) can neither mark the row nor write its effects.
ALTER TABLE billing.webhook_inbox ADD COLUMN lease_token uuid;

-- Backfill no longer starts from the newest stored event (an event dated in the future froze it, and a gap before
-- the newest was never looked for); it looks its listed ids up by primary key. The index only cost inserts.
DROP INDEX billing.webhook_inbox_stripe_created;
