-- The usage ledger: each user's usage period and balances per meter, every usage record (its idempotency key kept
-- for good), open reservations, and the credit packs granted. Every write to a user's balances first locks the
-- user's usage_accounts row, so records, renewals and packs of one user are applied one after the other.

CREATE TABLE billing.usage_accounts (
    user_id          text        PRIMARY KEY,
    tier             text        NOT NULL,             -- the tier whose limits the current period has
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL,
    period_is_trial  boolean     NOT NULL DEFAULT false,
    -- Monthly usage periods anchored here follow one another by themselves until paid_through (a yearly plan's
    -- months; the free tier's months when paid_through is NULL). A period ending at paid_through waits for the
    -- subscription's next paid cycle invoice instead.
    anchor           timestamptz,
    paid_through     timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end > period_start)
);

CREATE TABLE billing.usage_balances (
    user_id      text   NOT NULL REFERENCES billing.usage_accounts (user_id),
    meter        text   NOT NULL REFERENCES billing.meters (name),
    period_used  bigint NOT NULL DEFAULT 0 CHECK (period_used >= 0),  -- what the period's allowance gave
    rollover     bigint NOT NULL DEFAULT 0,                           -- negative: debt
    purchased    bigint NOT NULL DEFAULT 0 CHECK (purchased >= 0),    -- credit packs, never expire
    PRIMARY KEY (user_id, meter)
);

-- One row per idempotency key, ever: a repeated key returns this row's result and changes nothing.
CREATE TABLE billing.usage_records (
    idempotency_key  text        PRIMARY KEY,
    user_id          text        NOT NULL,
    meter            text        NOT NULL REFERENCES billing.meters (name),
    amount           bigint      NOT NULL CHECK (amount >= 0),
    reference        text,
    period_start     timestamptz NOT NULL,
    from_allowance   bigint      NOT NULL,
    from_rollover    bigint      NOT NULL,
    from_purchased   bigint      NOT NULL,
    to_debt          bigint      NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (from_allowance + from_rollover + from_purchased + to_debt = amount)
);
CREATE INDEX usage_records_user_period ON billing.usage_records (user_id, period_start, recorded_at);

-- Estimates held for long work; checks subtract them until they are released or expire.
CREATE TABLE billing.usage_reservations (
    reservation_id  text        PRIMARY KEY,
    user_id         text        NOT NULL,
    meter           text        NOT NULL REFERENCES billing.meters (name),
    amount          bigint      NOT NULL CHECK (amount > 0),
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_reservations_user_meter ON billing.usage_reservations (user_id, meter, expires_at);

-- Each ended period's renewal (unused allowance to debt repayment and rollover), written once.
CREATE TABLE billing.usage_renewals (
    user_id       text        NOT NULL,
    period_start  timestamptz NOT NULL,
    meter         text        NOT NULL,
    tier          text        NOT NULL,
    was_trial     boolean     NOT NULL,
    unused        bigint      NOT NULL,
    debt_repaid   bigint      NOT NULL,
    rolled_over   bigint      NOT NULL,
    renewed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, period_start, meter)
);

-- Credit packs granted, once per grant key (the Checkout Session id).
CREATE TABLE billing.credit_grants (
    grant_key    text        PRIMARY KEY,
    user_id      text        NOT NULL,
    meter        text        NOT NULL REFERENCES billing.meters (name),
    quantity     bigint      NOT NULL CHECK (quantity > 0),
    debt_repaid  bigint      NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT now()
);
