using System.Globalization;
using System.Text.RegularExpressions;
using Yapit.StripeEmulator.Events;

namespace Yapit.StripeEmulator.Wire;

/// <summary>
/// The Stripe API version the emulator speaks when a request names none, and stamps on its events. Its own constant,
/// not a client's: the emulator shares no code with the SDKs it is held to, so a mistake in one cannot hide in the other.
/// </summary>
public static partial class EmulatedApiVersion
{
    /// <summary>The version Stripe.net 53.1.0 and stripe-node 23.1.0 pin.</summary>
    public const string Current = "2026-10-28.endive";

    /// <summary>
    /// Stripe accepts every released version. The emulator accepts the ones it knows and any well-formed later one of
    /// the pinned release train or a newer train (trains are named in alphabetical order: acacia, basil, clover, dahlia,
    /// endive, ...), so a newer SDK works before the list is updated; it answers all of them in its one shape.
    /// </summary>
    public static bool IsAccepted(string version)
    {
        if (KnownEventTypes.ApiVersions.Contains(version))
        {
            return true;
        }
        var match = Shape().Match(version);
        if (!match.Success || !DateOnly.TryParseExact(match.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }
        var current = Shape().Match(Current);
        var currentDate = DateOnly.ParseExact(current.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return date > currentDate && string.CompareOrdinal(match.Groups["train"].Value, current.Groups["train"].Value) >= 0;
    }

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})\.(?<train>[a-z]+)$")]
    private static partial Regex Shape();
}
