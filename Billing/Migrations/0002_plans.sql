-- The plans table and what hangs off it, written by stripe-setup from the catalog and the resolved Stripe ids.
-- The gateway and the worker read plans here, never from environment variables.

CREATE TABLE billing.meters (
    name          text        PRIMARY KEY,
    rollover_cap  bigint      NOT NULL CHECK (rollover_cap >= 0),  -- most unused allowance carried over; 0: none
    description   text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing.plans (
    tier                       text        PRIMARY KEY,
    name                       text        NOT NULL,
    rank                       integer     NOT NULL,  -- unique among the catalog's plans (checked by stripe-setup)
    stripe_product_id          text,
    currency                   text        NOT NULL,
    trial_days                 integer     NOT NULL DEFAULT 0 CHECK (trial_days BETWEEN 0 AND 730),
    active                     boolean     NOT NULL,
    monthly_lookup_key         text,
    monthly_price_id           text,
    monthly_amount             bigint      CHECK (monthly_amount >= 0),
    -- false when Stripe contradicts the table (price deactivated, lookup key moved outside stripe-setup):
    -- the gateway does not sell that interval until stripe-setup puts it back.
    monthly_available          boolean     NOT NULL DEFAULT false,
    monthly_unavailable_reason text,
    yearly_lookup_key          text,
    yearly_price_id            text,
    yearly_amount              bigint      CHECK (yearly_amount >= 0),
    yearly_available           boolean     NOT NULL DEFAULT false,
    yearly_unavailable_reason  text,
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX plans_monthly_price_id ON billing.plans (monthly_price_id) WHERE monthly_price_id IS NOT NULL;
CREATE UNIQUE INDEX plans_yearly_price_id ON billing.plans (yearly_price_id) WHERE yearly_price_id IS NOT NULL;

-- Per plan and meter: the allowance per billing period. NULL is unlimited, 0 is not included.
CREATE TABLE billing.plan_limits (
    tier          text   NOT NULL REFERENCES billing.plans (tier) ON DELETE CASCADE,
    meter         text   NOT NULL REFERENCES billing.meters (name),
    period_limit  bigint CHECK (period_limit >= 0),
    PRIMARY KEY (tier, meter)
);

-- One-time prices that add purchased credits of a meter.
CREATE TABLE billing.credit_packs (
    lookup_key         text        PRIMARY KEY,
    stripe_product_id  text        NOT NULL,
    stripe_price_id    text        UNIQUE,
    meter              text        NOT NULL REFERENCES billing.meters (name),
    quantity           bigint      NOT NULL CHECK (quantity > 0),
    amount             bigint      NOT NULL CHECK (amount >= 0),
    currency           text        NOT NULL,
    active             boolean     NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
