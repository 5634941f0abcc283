-- The claim walks the objects that have work, one index probe per object, instead of sorting every pending row
-- (DISTINCT ON over the whole backlog, under one advisory lock: 130 ms a claim with 10,000 pending, 813 ms with
-- 104,000). Each object's events queue in this index in Stripe's order; the claim finds the next object after a
-- cursor, then that object's first ready event, and stops when it has its batch (InboxStore.ClaimAsync).
CREATE INDEX webhook_inbox_object_queue ON billing.webhook_inbox ((coalesce(object_id, event_id)), stripe_created, received_at, event_id)
    WHERE status IN ('pending', 'processing');

-- One event per object at a time, held by Postgres itself rather than by serialising every claim: two claims that
-- raced for two events of one object cannot both commit, so workers claim concurrently. Rows the old claim left
-- processing twice for one object (possible after an expired lease) go back to pending first; a run that still holds
-- one of them loses its lease token, so it writes nothing and the event is processed again.
UPDATE billing.webhook_inbox i
SET status = 'pending', locked_by = NULL, locked_until = NULL, lease_token = NULL
WHERE i.status = 'processing'
  AND EXISTS (
      SELECT 1 FROM billing.webhook_inbox o
      WHERE o.status = 'processing' AND coalesce(o.object_id, o.event_id) = coalesce(i.object_id, i.event_id)
        AND (o.stripe_created, o.received_at, o.event_id) < (i.stripe_created, i.received_at, i.event_id));

CREATE UNIQUE INDEX webhook_inbox_one_in_flight ON billing.webhook_inbox ((coalesce(object_id, event_id))) WHERE status = 'processing';

-- Served by the two indexes above now; each only cost the intake's inserts.
DROP INDEX billing.webhook_inbox_claimable;
DROP INDEX billing.webhook_inbox_in_flight;

-- Which event's run handled this one: events of one object pending together are handled by one re-read from Stripe
-- (the handler re-reads the object, so later events add nothing); the others are marked done with the run's event.
ALTER TABLE billing.webhook_inbox ADD COLUMN handled_with text;
