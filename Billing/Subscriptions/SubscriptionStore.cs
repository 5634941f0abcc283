using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Yapit.Billing.Subscriptions;

/// <summary>A subscription as Stripe said it was at <see cref="ReadAt"/>, mapped to our tiers.</summary>
public sealed record StripeSubscriptionState
{
    public required string SubscriptionId { get; init; }
    public required string CustomerId { get; init; }
    public string? PriceId { get; init; }
    public required PlanRef Tier { get; init; }
    public BillingInterval? Interval { get; init; }
    public required string Status { get; init; }
    public DateTimeOffset? CurrentPeriodStart { get; init; }
    public DateTimeOffset? CurrentPeriodEnd { get; init; }
    public DateTimeOffset? TrialStart { get; init; }
    public DateTimeOffset? TrialEnd { get; init; }
    public bool CancelAtPeriodEnd { get; init; }
    public DateTimeOffset? CancelAt { get; init; }
    public DateTimeOffset? CanceledAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? LatestInvoiceId { get; init; }
    public PaymentState PaymentState { get; init; }
    public string? ActionUrl { get; init; }
    public required DateTimeOffset StripeCreated { get; init; }
    public required DateTimeOffset ReadAt { get; init; }
}

/// <summary>Which of our own decisions a write sets: the grace (tier and end), the pending plan (tier and interval), or both.</summary>
[Flags]
public enum PlanDecisionParts
{
    Grace = 1,
    Pending = 2,
    Both = Grace | Pending,
}

/// <summary>The stored subscription: Stripe's state plus our own decisions (grace, pending downgrade).</summary>
public sealed record StoredSubscription(string UserId, StripeSubscriptionState Stripe, PlanRef? GraceTier, DateTimeOffset? GraceUntil, PlanRef? PendingTier, BillingInterval? PendingInterval)
{
    public SubscriptionSnapshot ToSnapshot() => new()
    {
        Tier = Stripe.Tier,
        Status = Stripe.Status,
        CurrentPeriodEnd = Stripe.CurrentPeriodEnd,
        CancelAtPeriodEnd = Stripe.CancelAtPeriodEnd,
        CancelAt = Stripe.CancelAt,
        GraceTier = GraceTier,
        GraceUntil = GraceUntil,
        PendingTier = PendingTier,
        PendingInterval = PendingInterval,
        PaymentRequiresAction = Stripe.PaymentState == PaymentState.RequiresAction,
    };
}

public enum ApplyOutcome
{
    /// <summary>Stored: the first state of the user, a newer read, or a newer subscription.</summary>
    Applied,
    /// <summary>A newer read said the same: only the read time moved.</summary>
    Unchanged,
    /// <summary>Older than what is stored (an earlier read, or an older subscription): ignored.</summary>
    Stale,
}

/// <summary>Why a change was made, for the history.</summary>
public sealed record ChangeReason(string Reason, string? StripeEventId = null, string? RequestId = null)
{
    public static ChangeReason Event(string eventId, string eventType) => new($"event {eventType}", eventId);
    public static ChangeReason Request(string requestId, string what) => new($"request {what}", RequestId: requestId);
    public static ChangeReason Reconciliation { get; } = new("reconciliation");
}

/// <summary>
/// Customers, subscription state and history in Postgres. Every write locks the user's subscription row, applies the
/// stale guard and appends a history row for what changed.
/// </summary>
public sealed class SubscriptionStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private const string Columns = """
        user_id, stripe_subscription_id, stripe_customer_id, stripe_price_id, tier, billing_interval, status, current_period_start, current_period_end,
        trial_start, trial_end, cancel_at_period_end, cancel_at, canceled_at, ended_at, latest_invoice_id, payment_state, action_url,
        grace_tier, grace_until, pending_tier, pending_interval, stripe_created, stripe_read_at
        """;

    /// <summary>The columns of <see cref="Columns"/>, then the ranks of the tier, grace tier and pending tier from billing.plans.</summary>
    private const string SelectWithRanks = $"""
        SELECT {Columns},
               coalesce((SELECT rank FROM billing.plans WHERE tier = s.tier), 0),
               coalesce((SELECT rank FROM billing.plans WHERE tier = s.grace_tier), 0),
               coalesce((SELECT rank FROM billing.plans WHERE tier = s.pending_tier), 0)
        FROM billing.subscriptions s WHERE user_id = $1
        """;

    public async Task<StoredSubscription?> GetAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SelectWithRanks);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    /// <summary>The user a Stripe customer belongs to, if it is ours.</summary>
    public async Task<string?> FindUserByCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT user_id FROM billing.customers WHERE stripe_customer_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customerId });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>The user's Stripe customer id, unless Stripe deleted it.</summary>
    public async Task<string?> FindCustomerAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT stripe_customer_id FROM billing.customers WHERE user_id = $1 AND deleted_in_stripe_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>Links a user to their Stripe customer; a new customer replaces one that Stripe deleted (or that was never used).</summary>
    public async Task LinkCustomerAsync(string userId, string customerId, ChangeReason reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH linked AS (
                INSERT INTO billing.customers (user_id, stripe_customer_id) VALUES ($1, $2)
                ON CONFLICT (user_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id, deleted_in_stripe_at = NULL, updated_at = now()
                WHERE billing.customers.stripe_customer_id IS DISTINCT FROM excluded.stripe_customer_id
                RETURNING user_id)
            INSERT INTO billing.subscription_history (user_id, change, reason, stripe_event_id, request_id, after)
            SELECT user_id, 'customer', $3, $4, $5, jsonb_build_object('stripe_customer_id', $2::text) FROM linked
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customerId });
        AddReason(command.Parameters, reason);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stripe deleted the customer: the next checkout creates a new one.</summary>
    public async Task MarkCustomerDeletedAsync(string customerId, ChangeReason reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH deleted AS (
                UPDATE billing.customers SET deleted_in_stripe_at = now(), updated_at = now()
                WHERE stripe_customer_id = $1 AND deleted_in_stripe_at IS NULL RETURNING user_id)
            INSERT INTO billing.subscription_history (user_id, change, reason, stripe_event_id, request_id, after)
            SELECT user_id, 'customer_deleted', $2, $3, $4, jsonb_build_object('stripe_customer_id', $1::text) FROM deleted
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customerId });
        AddReason(command.Parameters, reason);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores Stripe's state of a user's subscription unless it is stale: an earlier read of the same subscription,
    /// or another subscription that does not outrank the stored one (<see cref="Outranks"/>). A newer subscription replaces the row and clears grace and
    /// pending plans, which belonged to the old one. Records the highest tier held.
    /// </summary>
    public async Task<ApplyOutcome> ApplyAsync(string userId, StripeSubscriptionState incoming, ChangeReason reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        StoredSubscription? stored;
        await using (var select = new NpgsqlCommand(SelectWithRanks + " FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            stored = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }
        var sameSubscription = stored?.Stripe.SubscriptionId == incoming.SubscriptionId;
        if (stored is not null && (sameSubscription ? incoming.ReadAt < stored.Stripe.ReadAt : !Outranks(incoming, stored.Stripe)))
        {
            return ApplyOutcome.Stale;
        }
        var next = stored is not null && sameSubscription
            ? stored with { Stripe = incoming }
            : new StoredSubscription(userId, incoming, null, null, null, null);
        var changes = stored is null || !sameSubscription ? ["subscription"] : Differences(stored.Stripe, incoming);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Upsert(next));
        if (changes.Count > 0)
        {
            batch.BatchCommands.Add(History(userId, incoming.SubscriptionId, string.Join(",", changes), reason,
                stored is null ? null : Describe(stored), Describe(next)));
        }
        if (SubscriptionStatus.KeepsTier(incoming.Status))
        {
            var highest = new NpgsqlBatchCommand("""
                UPDATE billing.customers SET highest_tier_subscribed = $2, highest_tier_rank = $3, updated_at = now()
                WHERE user_id = $1 AND (highest_tier_subscribed IS NULL OR highest_tier_rank < $3)
                """);
            highest.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
            highest.Parameters.Add(new NpgsqlParameter<string> { TypedValue = incoming.Tier.Tier });
            highest.Parameters.Add(new NpgsqlParameter<int> { TypedValue = incoming.Tier.Rank });
            batch.BatchCommands.Add(highest);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (changes.Count > 0)
        {
            // Counted here, after the commit under the row lock, so concurrent syncs of one change count it once.
            SubscriptionTelemetry.CountPaymentTransition(sameSubscription ? stored!.Stripe : null, incoming);
        }
        return changes.Count > 0 ? ApplyOutcome.Applied : ApplyOutcome.Unchanged;
    }

    /// <summary>
    /// Whether another subscription of the user replaces the stored one, in a total order (docs/billing-rules.md,
    /// rule 1): a live subscription outranks an ended one whatever their ages (a replayed event of a canceled
    /// subscription must not displace the one that replaced it); then the later <c>created</c>; then, since
    /// <c>created</c> has one-second resolution, the greater id (ordinal). Ids are not in time order: the last step is
    /// there so every worker and every delivery order agree on one winner, not to find the newer one.
    /// </summary>
    public static bool Outranks(StripeSubscriptionState incoming, StripeSubscriptionState stored)
    {
        var (incomingLive, storedLive) = (!SubscriptionStatus.IsEnded(incoming.Status), !SubscriptionStatus.IsEnded(stored.Status));
        if (incomingLive != storedLive)
        {
            return incomingLive;
        }
        if (incoming.StripeCreated != stored.StripeCreated)
        {
            return incoming.StripeCreated > stored.StripeCreated;
        }
        return string.CompareOrdinal(incoming.SubscriptionId, stored.SubscriptionId) > 0;
    }

    /// <summary>
    /// The subscriptions of users whose usage account lives on test clock <paramref name="clockId"/> and whose grace
    /// ended by <paramref name="clockTime"/>: no Stripe event marks a grace's end (a yearly period runs on), so a
    /// clock's advance is when they are looked at again. Reconciliation does the same for wall-clock time.
    /// </summary>
    public async Task<IReadOnlyList<string>> GraceEndedOnClockAsync(string clockId, DateTimeOffset clockTime, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.stripe_subscription_id FROM billing.subscriptions s JOIN billing.usage_accounts a ON a.user_id = s.user_id
            WHERE a.test_clock_id = $1 AND s.grace_until IS NOT NULL AND s.grace_until <= $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = clockId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clockTime.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>The rank of the highest tier the user ever held (trial eligibility), or null.</summary>
    public async Task<int?> HighestRankSubscribedAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT highest_tier_rank FROM billing.customers WHERE user_id = $1 AND highest_tier_subscribed IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int rank ? rank : null;
    }

    /// <summary><c>ever_paid</c> becomes true only with an invoice that took money; never false again.</summary>
    public async Task<bool> RecordPaymentAsync(string userId, string invoiceId, long amountPaid, ChangeReason reason, CancellationToken cancellationToken)
    {
        if (amountPaid <= 0)
        {
            return false;
        }
        await using var command = dataSource.CreateCommand("""
            WITH paid AS (
                UPDATE billing.customers SET ever_paid = true, updated_at = now() WHERE user_id = $1 AND NOT ever_paid RETURNING user_id)
            INSERT INTO billing.subscription_history (user_id, change, reason, stripe_event_id, request_id, after)
            SELECT user_id, 'ever_paid', $2, $3, $4, jsonb_build_object('invoice', $5::text) FROM paid
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        AddReason(command.Parameters, reason);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = invoiceId });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> EverPaidAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT ever_paid FROM billing.customers WHERE user_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>
    /// Sets (or, with nulls, clears) our own decisions on the user's current subscription, with a history row. Only the
    /// <paramref name="parts"/> named are written: a sync that only clears a pending plan must not write back the grace
    /// it read a moment earlier, or it would undo a grace that a concurrent sync of the same change has just set.
    /// </summary>
    public async Task<bool> SetPlanDecisionsAsync(string userId, string subscriptionId, PlanDecisionParts parts, PlanRef? graceTier, DateTimeOffset? graceUntil, PlanRef? pendingTier, BillingInterval? pendingInterval, ChangeReason reason, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH changed AS (
                UPDATE billing.subscriptions SET
                    grace_tier = CASE WHEN $10 THEN $3 ELSE grace_tier END, grace_until = CASE WHEN $10 THEN $4 ELSE grace_until END,
                    pending_tier = CASE WHEN $11 THEN $5 ELSE pending_tier END, pending_interval = CASE WHEN $11 THEN $6 ELSE pending_interval END,
                    updated_at = now()
                WHERE user_id = $1 AND stripe_subscription_id = $2
                  AND (($10 AND (grace_tier, grace_until) IS DISTINCT FROM ($3, $4)) OR ($11 AND (pending_tier, pending_interval) IS DISTINCT FROM ($5, $6)))
                RETURNING user_id, grace_tier, grace_until, pending_tier, pending_interval)
            INSERT INTO billing.subscription_history (user_id, stripe_subscription_id, change, reason, stripe_event_id, request_id, after)
            SELECT user_id, $2, 'plan_decision', $7, $8, $9,
                   jsonb_build_object('grace_tier', grace_tier, 'grace_until', grace_until, 'pending_tier', pending_tier, 'pending_interval', pending_interval) FROM changed
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = subscriptionId });
        command.Parameters.Add(Text(graceTier?.Tier));
        command.Parameters.Add(Time(graceUntil));
        command.Parameters.Add(Text(pendingTier?.Tier));
        command.Parameters.Add(Text(IntervalName(pendingInterval)));
        AddReason(command.Parameters, reason);
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = parts.HasFlag(PlanDecisionParts.Grace) });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = parts.HasFlag(PlanDecisionParts.Pending) });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>The user's history, oldest first.</summary>
    public async Task<IReadOnlyList<(string Change, string Reason, string? EventId, DateTimeOffset At)>> HistoryAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT change, reason, stripe_event_id, created_at FROM billing.subscription_history WHERE user_id = $1 ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        var rows = new List<(string, string, string?, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return rows;
    }

    private static List<string> Differences(StripeSubscriptionState before, StripeSubscriptionState after)
    {
        var changes = new List<string>();
        void Check(string name, bool differs)
        {
            if (differs)
            {
                changes.Add(name);
            }
        }
        Check("status", before.Status != after.Status);
        Check("tier", before.Tier != after.Tier || before.Interval != after.Interval || before.PriceId != after.PriceId);
        Check("period", before.CurrentPeriodStart != after.CurrentPeriodStart || before.CurrentPeriodEnd != after.CurrentPeriodEnd);
        Check("trial", before.TrialStart != after.TrialStart || before.TrialEnd != after.TrialEnd);
        Check("canceling", before.CancelAtPeriodEnd != after.CancelAtPeriodEnd || before.CancelAt != after.CancelAt || before.CanceledAt != after.CanceledAt || before.EndedAt != after.EndedAt);
        Check("payment", before.PaymentState != after.PaymentState || before.ActionUrl != after.ActionUrl || before.LatestInvoiceId != after.LatestInvoiceId);
        Check("customer", before.CustomerId != after.CustomerId);
        return changes;
    }

    private StoredSubscription Read(NpgsqlDataReader r)
    {
        DateTimeOffset? Time(int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var stripe = new StripeSubscriptionState
        {
            SubscriptionId = r.GetString(1),
            CustomerId = r.GetString(2),
            PriceId = Text(3),
            Tier = new PlanRef(r.GetString(4), r.GetInt32(24)),
            Interval = ParseInterval(Text(5)),
            Status = r.GetString(6),
            CurrentPeriodStart = Time(7),
            CurrentPeriodEnd = Time(8),
            TrialStart = Time(9),
            TrialEnd = Time(10),
            CancelAtPeriodEnd = r.GetBoolean(11),
            CancelAt = Time(12),
            CanceledAt = Time(13),
            EndedAt = Time(14),
            LatestInvoiceId = Text(15),
            PaymentState = r.GetString(16) switch { "past_due" => PaymentState.PastDue, "requires_action" => PaymentState.RequiresAction, _ => PaymentState.Ok },
            ActionUrl = Text(17),
            StripeCreated = r.GetFieldValue<DateTimeOffset>(22),
            ReadAt = r.GetFieldValue<DateTimeOffset>(23),
        };
        return new StoredSubscription(r.GetString(0), stripe, Text(18) is { } g ? new PlanRef(g, r.GetInt32(25)) : null, Time(19), Text(20) is { } p ? new PlanRef(p, r.GetInt32(26)) : null, ParseInterval(Text(21)));
    }

    private static NpgsqlBatchCommand Upsert(StoredSubscription s)
    {
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO billing.subscriptions ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
            ON CONFLICT (user_id) DO UPDATE SET
                stripe_subscription_id = excluded.stripe_subscription_id, stripe_customer_id = excluded.stripe_customer_id,
                stripe_price_id = excluded.stripe_price_id, tier = excluded.tier, billing_interval = excluded.billing_interval, status = excluded.status,
                current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
                trial_start = excluded.trial_start, trial_end = excluded.trial_end, cancel_at_period_end = excluded.cancel_at_period_end,
                cancel_at = excluded.cancel_at, canceled_at = excluded.canceled_at, ended_at = excluded.ended_at,
                latest_invoice_id = excluded.latest_invoice_id, payment_state = excluded.payment_state, action_url = excluded.action_url,
                grace_tier = excluded.grace_tier, grace_until = excluded.grace_until, pending_tier = excluded.pending_tier,
                pending_interval = excluded.pending_interval, stripe_created = excluded.stripe_created, stripe_read_at = excluded.stripe_read_at,
                updated_at = now()
            """);
        var x = s.Stripe;
        foreach (var parameter in new NpgsqlParameter[]
        {
            Text(s.UserId), Text(x.SubscriptionId), Text(x.CustomerId), Text(x.PriceId), Text(x.Tier.Tier), Text(IntervalName(x.Interval)), Text(x.Status),
            Time(x.CurrentPeriodStart), Time(x.CurrentPeriodEnd), Time(x.TrialStart), Time(x.TrialEnd),
            new NpgsqlParameter<bool> { TypedValue = x.CancelAtPeriodEnd }, Time(x.CancelAt), Time(x.CanceledAt), Time(x.EndedAt),
            Text(x.LatestInvoiceId), Text(PaymentStateName(x.PaymentState)), Text(x.ActionUrl),
            Text(s.GraceTier?.Tier), Time(s.GraceUntil), Text(s.PendingTier?.Tier), Text(IntervalName(s.PendingInterval)),
            Time(x.StripeCreated), Time(x.ReadAt),
        })
        {
            command.Parameters.Add(parameter);
        }
        return command;
    }

    private static NpgsqlBatchCommand History(string userId, string? subscriptionId, string change, ChangeReason reason, object? before, object? after)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO billing.subscription_history (user_id, stripe_subscription_id, change, reason, stripe_event_id, request_id, before, after)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """);
        command.Parameters.Add(Text(userId));
        command.Parameters.Add(Text(subscriptionId));
        command.Parameters.Add(Text(change));
        AddReason(command.Parameters, reason);
        command.Parameters.Add(new NpgsqlParameter { Value = before is null ? DBNull.Value : JsonSerializer.Serialize(before, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = after is null ? DBNull.Value : JsonSerializer.Serialize(after, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        return command;
    }

    private static object Describe(StoredSubscription s) => new
    {
        subscription = s.Stripe.SubscriptionId,
        status = s.Stripe.Status,
        tier = s.Stripe.Tier.Tier,
        interval = IntervalName(s.Stripe.Interval),
        period_start = s.Stripe.CurrentPeriodStart,
        period_end = s.Stripe.CurrentPeriodEnd,
        trial_end = s.Stripe.TrialEnd,
        cancel_at_period_end = s.Stripe.CancelAtPeriodEnd,
        cancel_at = s.Stripe.CancelAt,
        payment_state = PaymentStateName(s.Stripe.PaymentState),
        read_at = s.Stripe.ReadAt,
    };

    private static void AddReason(NpgsqlParameterCollection parameters, ChangeReason reason)
    {
        parameters.Add(Text(reason.Reason));
        parameters.Add(Text(reason.StripeEventId));
        parameters.Add(Text(reason.RequestId));
    }

    public static string? IntervalName(BillingInterval? interval) => interval switch
    {
        BillingInterval.Monthly => "monthly",
        BillingInterval.Yearly => "yearly",
        _ => null,
    };

    public static BillingInterval? ParseInterval(string? name) => name switch
    {
        "monthly" => BillingInterval.Monthly,
        "yearly" => BillingInterval.Yearly,
        _ => null,
    };

    private static string PaymentStateName(PaymentState state) => state switch
    {
        PaymentState.PastDue => "past_due",
        PaymentState.RequiresAction => "requires_action",
        _ => "ok",
    };

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTimeOffset? value) => value is { } t
        ? new NpgsqlParameter<DateTimeOffset> { TypedValue = t.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz }
        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
