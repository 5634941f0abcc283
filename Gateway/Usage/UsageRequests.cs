using System.ComponentModel.DataAnnotations;
using Yapit.Gateway.OpenApi;

namespace Yapit.Gateway.Usage;

/// <summary>One usage record (user_id, meter, amount, idempotency_key; reference optional), or a batch under <see cref="Records"/>.</summary>
[OneOfRequired("user_id,meter,amount,idempotency_key", "records")]
public sealed record UsageRecordBody(string? UserId, string? Meter, long? Amount, string? IdempotencyKey, string? Reference, List<UsageRecordBody?>? Records = null);

public sealed record UsageCheckBody([property: Required] string? UserId, [property: Required] string? Meter, [property: Required] long? Amount);

public sealed record UsageReservationBody([property: Required] string? UserId, [property: Required] string? Meter, [property: Required] long? Amount, string? ReservationId, int? TtlSeconds);

public sealed record BreakdownResponse(long FromAllowance, long FromRollover, long FromPurchased, long ToDebt);

public sealed record UsageRecordResponse(string IdempotencyKey, string UserId, string Meter, long Amount, string? Reference, DateTimeOffset PeriodStart, BreakdownResponse Breakdown, DateTimeOffset RecordedAt, bool Replayed);

public sealed record UsageRecordsResponse(IReadOnlyList<UsageRecordResponse> Records);

public sealed record UsageCheckResponse(string UserId, string Meter, long Requested, bool Allowed, long? Available, bool Unlimited);

public sealed record UsageReservationResponse(string ReservationId, string UserId, string Meter, long Amount, DateTimeOffset ExpiresAt);

/// <summary>Field checks shared by the usage endpoints: each error names the field (with its index in a batch).</summary>
internal static class UsageValidation
{
    public const int MaxBatch = 500;
    public const int MaxIdLength = 255;
    public const long MaxAmount = 1_000_000_000_000;

    public static void Text(Dictionary<string, string[]> errors, string field, string? value, bool required = true, int max = MaxIdLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors[field] = [$"{field} is required."];
            }
            return;
        }
        if (value.Length > max)
        {
            errors[field] = [$"{field} is longer than {max} characters."];
        }
        else if (value.Any(char.IsControl))
        {
            errors[field] = [$"{field} contains control characters."];
        }
    }

    public static void Amount(Dictionary<string, string[]> errors, string field, long? value, bool positive)
    {
        if (value is null)
        {
            errors[field] = [$"{field} is required."];
        }
        else if (value < (positive ? 1 : 0) || value > MaxAmount)
        {
            errors[field] = [$"{field} must be between {(positive ? 1 : 0)} and {MaxAmount}."];
        }
    }
}
