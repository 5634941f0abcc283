using System.Security.Cryptography;

namespace Yapit.StripeEmulator.Store;

/// <summary>Ids and secrets in Stripe's shapes: a prefix, an underscore, random letters and digits.</summary>
public static class IdGenerator
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string UpperAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>Like <c>prod_NWjs8kKbJWmuuc</c> (14 characters) or <c>price_1MoBy5LkdIwHu7ixZhnattbh</c> (24).</summary>
    public static string New(string prefix, int length = 24) => $"{prefix}_{Random(length, Alphabet)}";

    /// <summary>A generated coupon id (<c>Z4OV52SU</c>) or promotion code (upper case, readable).</summary>
    public static string Code(int length = 8) => Random(length, UpperAlphabet);

    /// <summary>A webhook signing secret.</summary>
    public static string WebhookSecret() => New("whsec", 32);

    /// <summary>Cryptographically random: the same generator serves secrets.</summary>
    private static string Random(int length, string alphabet) => string.Create(length, alphabet, (span, chars) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = chars[RandomNumberGenerator.GetInt32(chars.Length)];
        }
    });
}
