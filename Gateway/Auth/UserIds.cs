namespace Yapit.Gateway.Auth;

/// <summary>
/// What a token's <c>sub</c> must be to name a user: the user id keys a Stripe customer, a <c>billing.customers</c>
/// row and every usage balance, so an empty, blank, unbounded or unprintable one would make a "user" nobody is.
/// </summary>
public static class UserIds
{
    /// <summary>The longest user id (as the usage API's <c>user_id</c>, so both name the same users).</summary>
    public const int MaxLength = 255;

    /// <summary>Why <paramref name="userId"/> cannot be a user id, or null when it can.</summary>
    public static string? Problem(string? userId)
    {
        if (string.IsNullOrWhiteSpace(userId))
        {
            return "is empty or blank";
        }
        if (userId.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters";
        }
        if (char.IsWhiteSpace(userId[0]) || char.IsWhiteSpace(userId[^1]))
        {
            // " user_1" and "user_1" would be two users that print alike.
            return "starts or ends with white space";
        }
        for (var i = 0; i < userId.Length; i++)
        {
            var c = userId[i];
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                return "contains control characters";
            }
            if (c == '\uFFFD')
            {
                // What a JSON reader makes of a lone surrogate escape: the id was not valid Unicode.
                return "contains a replacement character (U+FFFD)";
            }
            if (char.IsHighSurrogate(c) && i + 1 < userId.Length && char.IsLowSurrogate(userId[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return "contains an unpaired surrogate";
            }
        }
        return null;
    }
}
