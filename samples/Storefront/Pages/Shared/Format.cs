using System.Globalization;

namespace Yapit.Storefront.Pages.Shared;

/// <summary>How the pages write money, dates and counts.</summary>
public static class Format
{
    /// <summary>Minor units in the currency's usual form (two decimals; the catalog's currencies have two).</summary>
    public static string Money(long amount, string currency)
    {
        var value = (amount / 100m).ToString("N2", CultureInfo.InvariantCulture);
        return currency.ToLowerInvariant() switch
        {
            "eur" => $"€{value}",
            "usd" => $"${value}",
            "gbp" => $"£{value}",
            var other => $"{value} {other.ToUpperInvariant()}",
        };
    }

    public static string Date(DateTimeOffset? date) =>
        date is { } d ? d.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture) : "";

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Tier(string tier) => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(tier);

    public static string Meter(string meter) => meter switch
    {
        "tokens" => "AI tokens",
        "voice_chars" => "Premium voice characters",
        "kokoro_chars" => "Kokoro voice characters",
        var other => other,
    };

    public static string Status(string? status) => status switch
    {
        null => "no subscription",
        "trialing" => "trialing",
        "past_due" => "past due",
        "incomplete_expired" => "incomplete (expired)",
        var other => other,
    };
}
