using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Yapit.Gateway.Billing;

/// <summary>
/// The preview's <c>preview_token</c>: the proration date of a plan change preview, for one user and one target plan,
/// protected and time-limited (ASP.NET Core Data Protection), so the change charges exactly what the preview showed
/// and nobody picks a proration date of their own (docs/billing-rules.md, "The preview's amount is the amount
/// charged"). Several gateway instances need a shared key ring (Data Protection's persistence settings).
/// </summary>
public sealed class PreviewTokens(IDataProtectionProvider protection)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Yapit.Billing.PlanChangePreview").ToTimeLimitedDataProtector();

    public string Issue(string userId, string tier, string interval, DateTimeOffset prorationDate) =>
        _protector.Protect(Payload(userId, tier, interval, prorationDate.ToUnixTimeSeconds()), Lifetime);

    /// <summary>The proration date, or null when the token is expired, tampered with, or for another user or plan.</summary>
    public DateTimeOffset? Read(string token, string userId, string tier, string interval)
    {
        string payload;
        try
        {
            payload = _protector.Unprotect(token, out _);
        }
        catch (CryptographicException)
        {
            return null;
        }
        var parts = payload.Split('\n');
        return parts.Length == 4 && parts[0] == userId && parts[1] == tier && parts[2] == interval
            && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }

    private static string Payload(string userId, string tier, string interval, long seconds) =>
        string.Join('\n', userId, tier, interval, seconds.ToString(CultureInfo.InvariantCulture));
}
