-- A usage record in one round trip: the idempotency check, the user's row lock, the waterfall, the balance and the
-- record, all in one statement that commits on its own. The ledger's C# path (three round trips, two of them under
-- the lock, bench/README.md) stays for everything else and for the records this function hands back ('slow'): a user
-- without an account yet, and a period that must be renewed first (UsageAccount.AdvanceTo holds those rules).
--
-- The waterfall here is MeterRules.Consume in SQL; the ledger's property and concurrency tests compare both paths
-- with the in-memory model. The meter's kind and its limit per tier come from the caller's catalog (the same one the
-- C# path uses), as parallel arrays: a tier missing from p_tiers includes nothing (0), a NULL limit is unlimited.
--
-- o_outcome: 'applied' (the o_* columns are the new record), 'existing' (the key was applied before: the o_* columns
-- are that first record, nothing changed) or 'slow' (nothing done, nothing locked after return: use the C# path).
-- A record's meter was checked against the catalog by the ledger before it gets here, and stripe-setup never deletes
-- a meter. The foreign key's check took a FOR KEY SHARE lock on the meter's one row in every record's transaction,
-- so concurrent records of one meter all locked the same row (a multixact each time): 10% of the records' rate
-- in a pgbench run of this function (bench/README.md).
ALTER TABLE billing.usage_records DROP CONSTRAINT usage_records_meter_fkey;

CREATE FUNCTION billing.usage_record(
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
    v_used bigint := 0;
    v_rollover bigint := 0;
    v_purchased bigint := 0;
    v_has_balance boolean;
    v_index integer;
    v_limit bigint;
    v_rest bigint;
BEGIN
    SELECT a.tier, a.period_start, a.period_end, a.anchor, a.paid_through INTO v_tier, v_start, v_end, v_anchor, v_paid
    FROM billing.usage_accounts a WHERE a.user_id = p_user FOR UPDATE;
    -- The same condition as UsageAccount.AdvanceTo: a period that follows by itself has ended.
    IF NOT FOUND OR (p_now >= v_end AND v_anchor IS NOT NULL AND (v_paid IS NULL OR v_end < v_paid)) THEN
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
