-- The durable inbox of Stripe events. The gateway inserts a verified event (primary key = Stripe's event id, so a
-- redelivery is a no-op) and answers Stripe only after the commit; the worker claims rows under a lease and
-- processes them. Done rows are pruned after a retention period; dead letters are kept for operators.

CREATE TABLE billing.webhook_inbox (
    event_id         text        PRIMARY KEY,
    event_type       text        NOT NULL,
    api_version      text,
    livemode         boolean     NOT NULL,
    stripe_created   timestamptz NOT NULL,
    object_id        text,                      -- data.object.id: events of one object are never processed at once
    object_type      text,
    payload          json        NOT NULL,      -- exactly as received (json keeps the text; jsonb would reformat it)
    traceparent      text,                      -- W3C trace context of the intake request: processing continues it
    tracestate       text,
    source           text        NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'backfill')),
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done', 'ignored', 'dead')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_by        text,
    locked_until     timestamptz,
    last_error       text,
    received_at      timestamptz NOT NULL DEFAULT now(),
    processed_at     timestamptz
);

-- What the worker claims next.
CREATE INDEX webhook_inbox_claimable ON billing.webhook_inbox (next_attempt_at, stripe_created) WHERE status IN ('pending', 'processing');
-- Whether another event of the same object is being processed.
CREATE INDEX webhook_inbox_in_flight ON billing.webhook_inbox (object_id) WHERE status = 'processing';
-- Operators' lists, and pruning.
CREATE INDEX webhook_inbox_status_received ON billing.webhook_inbox (status, received_at DESC);
-- The backfill cursor: the newest event seen.
CREATE INDEX webhook_inbox_stripe_created ON billing.webhook_inbox (stripe_created DESC);
