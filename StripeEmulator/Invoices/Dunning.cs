using System.Globalization;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Invoices;

/// <summary>
/// When a failed renewal payment is retried, and what happens after the last retry fails: the account's settings
/// (Stripe's "Manage failed payments"), set by operators through <c>/_emulator/dunning</c> and kept in the store's
/// settings until a reset.
/// </summary>
internal static class Dunning
{
    public const string RetryDaysSetting = "reset.dunning.retry_days";
    public const string AfterSetting = "reset.dunning.after";

    /// <summary>Retries 3, 5 and 7 days after the first failed attempt: several retries within two weeks, like Smart Retries' default.</summary>
    public static IReadOnlyList<int> DefaultRetryDays { get; } = [3, 5, 7];

    /// <summary>Stripe's default after the last retry: cancel the subscription.</summary>
    public const string DefaultAfter = "cancel";

    public static readonly string[] AfterChoices = ["past_due", "unpaid", "cancel"];

    public static IReadOnlyList<int> RetryDays(StoreTransaction tx) => Parse(tx.Setting(RetryDaysSetting)) ?? DefaultRetryDays;

    public static string After(StoreTransaction tx) => tx.Setting(AfterSetting) ?? DefaultAfter;

    /// <summary>"3,5,7" → [3, 5, 7]; empty → no retries; null when the text is not such a list.</summary>
    public static IReadOnlyList<int>? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var days = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day < 1 || day > 60 || (days.Count > 0 && day <= days[^1]))
            {
                return null;
            }
            days.Add(day);
        }
        return days;
    }

    /// <summary>
    /// The next automatic attempt after a failed one: the first failure (the invoice's finalization) plus the
    /// schedule's day for this retry; null when the schedule is used up.
    /// </summary>
    public static long? NextAttempt(StoreTransaction tx, JsonObject invoice)
    {
        var failures = (int)invoice["attempt_count"]!.GetValue<long>();
        var schedule = RetryDays(tx);
        if (failures < 1 || failures > schedule.Count)
        {
            return null;
        }
        var first = invoice["status_transitions"]?["finalized_at"]?.GetValue<long>() ?? tx.NowUnix;
        return first + schedule[failures - 1] * 86400L;
    }
}
