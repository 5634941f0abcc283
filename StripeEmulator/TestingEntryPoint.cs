namespace Yapit.StripeEmulator;

/// <summary>
/// A public type of this assembly for WebApplicationFactory, which runs the real Program of the assembly a type
/// lives in (Program itself is internal).
/// </summary>
public sealed class TestingEntryPoint;
