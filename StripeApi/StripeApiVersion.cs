namespace Yapit.StripeApi;

/// <summary>The Stripe API version this client speaks, sent as <c>Stripe-Version</c> on every request.</summary>
public static class StripeApiVersion
{
    /// <summary>
    /// The newest version the official <c>stripe</c> npm package's TypeScript types describe (stripe 23.1.0):
    /// every parameter and field of this library follows those types.
    /// </summary>
    public const string Current = "2026-10-28.endive";
}
