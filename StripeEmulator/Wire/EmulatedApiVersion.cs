namespace Yapit.StripeEmulator.Wire;

/// <summary>
/// The Stripe API version the emulator speaks when a request names none, and stamps on its events. Its own constant,
/// not a client's: the emulator shares no code with the SDKs it is held to, so a mistake in one cannot hide in the other.
/// </summary>
public static class EmulatedApiVersion
{
    /// <summary>The version Stripe.net 53.1.0 and stripe-node 23.1.0 pin.</summary>
    public const string Current = "2026-10-28.endive";
}
