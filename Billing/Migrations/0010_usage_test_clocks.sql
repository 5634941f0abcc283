-- Test clocks drive usage periods in test mode (docs/billing-rules.md): the worker keeps each clock's time, a usage
-- account names the clock its customer lives on, and the ledger (C# and this function alike) takes the clock's time
-- as "now" for that account's periods. Live mode and customers without a clock keep wall-clock time.
CREATE TABLE billing.test_clocks (
    clock_id     text        PRIMARY KEY,
    frozen_time  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE billing.usage_accounts ADD COLUMN test_clock_id text;

-- billing.usage_record of 0007, with the account's clock time for its period check.
CREATE OR REPLACE FUNCTION billing.usage_record(
    p_key text, p_user text, p_meter text, p_amount bigint, p_reference text, p_now timestamptz,
    p_waterfall boolean, p_tiers text[], p_limits bigint[],
    OUT o_outcome text, OUT o_user_id text, OUT o_meter text, OUT o_amount bigint, OUT o_reference text,
    OUT o_period_start timestamptz, OUT o_from_allowance bigint, OUT o_from_rollover bigint, OUT o_from_purchased bigint,
    OUT o_to_debt bigint, OUT o_recorded_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_tier text;
    v_start timestamptz;
    v_end timestamptz;
    v_anchor timestamptz;
    v_paid timestamptz;
    v_clock text;
    v_now timestamptz;
    v_used bigint := 0;
    v_rollover bigint := 0;
    v_purchased bigint := 0;
    v_has_balance boolean;
    v_index integer;
    v_limit bigint;
    v_rest bigint;
BEGIN
    SELECT a.tier, a.period_start, a.period_end, a.anchor, a.paid_through, a.test_clock_id INTO v_tier, v_start, v_end, v_anchor, v_paid, v_clock
    FROM billing.usage_accounts a WHERE a.user_id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        o_outcome := 'slow';
        RETURN;
    END IF;
    -- A customer on a test clock lives on the clock's time (UsageLedger does the same); the record keeps p_now.
    v_now := p_now;
    IF v_clock IS NOT NULL THEN
        SELECT coalesce(c.frozen_time, p_now) INTO v_now FROM billing.test_clocks c WHERE c.clock_id = v_clock;
        v_now := coalesce(v_now, p_now);
    END IF;
    -- The same condition as UsageAccount.AdvanceTo: a period that follows by itself has ended.
    IF v_now >= v_end AND v_anchor IS NOT NULL AND (v_paid IS NULL OR v_end < v_paid) THEN
        o_outcome := 'slow';
        RETURN;
    END IF;

    -- After the lock, as the C# path does: a concurrent record with this key has committed or not at all.
    SELECT 'existing', r.user_id, r.meter, r.amount, r.reference, r.period_start, r.from_allowance, r.from_rollover, r.from_purchased, r.to_debt, r.recorded_at
    INTO o_outcome, o_user_id, o_meter, o_amount, o_reference, o_period_start, o_from_allowance, o_from_rollover, o_from_purchased, o_to_debt, o_recorded_at
    FROM billing.usage_records r WHERE r.idempotency_key = p_key;
    IF FOUND THEN
        RETURN;
    END IF;

    SELECT b.period_used, b.rollover, b.purchased INTO v_used, v_rollover, v_purchased
    FROM billing.usage_balances b WHERE b.user_id = p_user AND b.meter = p_meter;
    v_has_balance := FOUND;
    IF NOT v_has_balance THEN
        v_used := 0; v_rollover := 0; v_purchased := 0;
    END IF;

    v_index := array_position(p_tiers, v_tier);
    v_limit := CASE WHEN v_index IS NULL THEN 0 ELSE p_limits[v_index] END;
    IF v_limit IS NULL OR NOT p_waterfall THEN
        o_from_allowance := p_amount; o_from_rollover := 0; o_from_purchased := 0; o_to_debt := 0;
        v_used := v_used + p_amount;
    ELSE
        o_from_allowance := least(p_amount, greatest(0, v_limit - v_used));
        v_rest := p_amount - o_from_allowance;
        o_from_rollover := CASE WHEN v_rollover > 0 THEN least(v_rest, v_rollover) ELSE 0 END;
        v_rest := v_rest - o_from_rollover;
        o_from_purchased := least(v_rest, v_purchased);
        o_to_debt := v_rest - o_from_purchased;
        v_used := v_used + o_from_allowance;
        v_rollover := v_rollover - o_from_rollover - o_to_debt;
        v_purchased := v_purchased - o_from_purchased;
    END IF;

    IF p_amount > 0 THEN
        IF v_has_balance THEN
            UPDATE billing.usage_balances SET period_used = v_used, rollover = v_rollover, purchased = v_purchased
            WHERE user_id = p_user AND meter = p_meter;
        ELSE
            INSERT INTO billing.usage_balances (user_id, meter, period_used, rollover, purchased)
            VALUES (p_user, p_meter, v_used, v_rollover, v_purchased);
        END IF;
    END IF;

    INSERT INTO billing.usage_records
        (idempotency_key, user_id, meter, amount, reference, period_start, from_allowance, from_rollover, from_purchased, to_debt, recorded_at)
    VALUES (p_key, p_user, p_meter, p_amount, p_reference, v_start, o_from_allowance, o_from_rollover, o_from_purchased, o_to_debt, p_now);

    o_outcome := 'applied';
    o_user_id := p_user; o_meter := p_meter; o_amount := p_amount; o_reference := p_reference;
    o_period_start := v_start; o_recorded_at := p_now;
END;
$$;
