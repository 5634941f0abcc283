-- Each user's Stripe customer and subscription state, and the append-only history of what changed and why.
-- The state is what Stripe said when it was read (stripe_read_at): an older read never overwrites a newer one.

CREATE TABLE billing.customers (
    user_id                  text        PRIMARY KEY,
    stripe_customer_id       text        NOT NULL UNIQUE,  -- reused on every checkout; replaced when deleted in Stripe
    highest_tier_subscribed  text,                          -- trial eligibility: never lowered
    highest_tier_rank        integer     NOT NULL DEFAULT 0,
    ever_paid                boolean     NOT NULL DEFAULT false, -- an invoice took money (amount_paid > 0)
    deleted_in_stripe_at     timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing.subscriptions (
    user_id                 text        PRIMARY KEY,       -- one row per user: the newest subscription
    stripe_subscription_id  text        NOT NULL UNIQUE,
    stripe_customer_id      text        NOT NULL,
    stripe_price_id         text,
    tier                    text        NOT NULL,          -- the tier of the price Stripe bills
    billing_interval        text        CHECK (billing_interval IN ('monthly', 'yearly')),
    status                  text        NOT NULL,          -- Stripe's, as is (an unknown status is kept and gives no access)
    current_period_start    timestamptz,                   -- the item's period (API 2026-10-28: periods live on items)
    current_period_end      timestamptz,
    trial_start             timestamptz,
    trial_end               timestamptz,
    cancel_at_period_end    boolean     NOT NULL DEFAULT false,
    cancel_at               timestamptz,
    canceled_at             timestamptz,
    ended_at                timestamptz,
    latest_invoice_id       text,
    payment_state           text        NOT NULL DEFAULT 'ok' CHECK (payment_state IN ('ok', 'past_due', 'requires_action')),
    action_url              text,                          -- the hosted invoice page that finishes a payment needing authentication
    grace_tier              text,                          -- downgrade with grace: the higher tier kept until grace_until
    grace_until             timestamptz,
    pending_tier            text,                          -- downgrade at period end: applied by the worker just before it
    pending_interval        text        CHECK (pending_interval IN ('monthly', 'yearly')),
    stripe_created          timestamptz NOT NULL,          -- the subscription's creation: a newer subscription replaces an older one
    stripe_read_at          timestamptz NOT NULL,          -- the stale guard
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_customer ON billing.subscriptions (stripe_customer_id);
CREATE INDEX subscriptions_pending ON billing.subscriptions (current_period_end) WHERE pending_tier IS NOT NULL;

CREATE TABLE billing.subscription_history (
    id                      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                 text        NOT NULL,
    stripe_subscription_id  text,
    change                  text        NOT NULL,          -- e.g. created, status, tier, period, canceling, grace, pending, ever_paid
    reason                  text        NOT NULL,          -- what caused it: an event, a request, reconciliation
    stripe_event_id         text,
    request_id              text,
    before                  jsonb,
    after                   jsonb,
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_history_user ON billing.subscription_history (user_id, created_at);
