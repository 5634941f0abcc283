using System.Diagnostics.Metrics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Yapit.Billing.Subscriptions;

/// <summary>A pending at-period-end plan as reconciliation applies it.</summary>
public sealed record PendingPlan(string UserId, string SubscriptionId, string Tier, string Interval, DateTimeOffset? CurrentPeriodEnd);

/// <summary>
/// What plan changes, cancellations and reconciliation read and write beside <see cref="SubscriptionStore"/>: the
/// history row of a user's request (whatever the webhook races do, the request itself is on record with its id), the
/// subscriptions we still hold as live, and the pending plans.
/// </summary>
public sealed class SubscriptionChangesStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Appends a history row for what the user asked (<paramref name="change"/>: plan_change, cancel, reactivate).</summary>
    public async Task RecordRequestAsync(string userId, string subscriptionId, string change, ChangeReason reason, object details, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO billing.subscription_history (user_id, stripe_subscription_id, change, reason, stripe_event_id, request_id, after)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """);
        command.Parameters.Add(Text(userId));
        command.Parameters.Add(Text(subscriptionId));
        command.Parameters.Add(Text(change));
        command.Parameters.Add(Text(reason.Reason));
        command.Parameters.Add(Text(reason.StripeEventId));
        command.Parameters.Add(Text(reason.RequestId));
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(details, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The subscription ids we store as not ended. Reconciliation looks again only at those of them Stripe no longer
    /// lists as live: each is then stored as ended, so a canceled subscription is read once after its cancellation.
    /// </summary>
    public async Task<HashSet<string>> NotEndedSubscriptionIdsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT stripe_subscription_id FROM billing.subscriptions WHERE status NOT IN ('canceled', 'incomplete_expired')");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>The pending at-period-end plans of subscriptions that are not ended.</summary>
    public async Task<IReadOnlyList<PendingPlan>> PendingPlansAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT user_id, stripe_subscription_id, pending_tier, coalesce(pending_interval, billing_interval, 'monthly'), current_period_end
            FROM billing.subscriptions
            WHERE pending_tier IS NOT NULL AND status NOT IN ('canceled', 'incomplete_expired')
            ORDER BY current_period_end
            """);
        var plans = new List<PendingPlan>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plans.Add(new PendingPlan(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return plans;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
