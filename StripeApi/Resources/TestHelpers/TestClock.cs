using Yapit.StripeApi.Common;

namespace Yapit.StripeApi.Resources.TestHelpers;

/// <summary>
/// A test clock (<c>clock_...</c>, test mode only): customers attached to it, and their subscriptions, live at its
/// frozen time; advancing it runs renewals, trials and invoices as if that time had passed.
/// </summary>
public sealed class TestClock : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "test_helpers.test_clock";
    public DateTimeOffset Created { get; init; }
    public bool? Deleted { get; init; }

    /// <summary>Stripe deletes the clock and its objects at this time.</summary>
    public DateTimeOffset DeletesAfter { get; init; }
    public DateTimeOffset FrozenTime { get; init; }
    public bool Livemode { get; init; }
    public string? Name { get; init; }

    /// <summary><c>ready</c>, <c>advancing</c> or <c>internal_failure</c>; see <see cref="TestClockStatuses"/>.</summary>
    public string Status { get; init; } = string.Empty;
    public TestClockStatusDetails? StatusDetails { get; init; }
}

public sealed class TestClockStatusDetails
{
    public TestClockAdvancing? Advancing { get; init; }
}

public sealed class TestClockAdvancing
{
    public DateTimeOffset TargetFrozenTime { get; init; }
}

public static class TestClockStatuses
{
    public const string Ready = "ready";
    public const string Advancing = "advancing";
    public const string InternalFailure = "internal_failure";
}

public sealed class TestClockCreateOptions : StripeOptions
{
    public required DateTimeOffset FrozenTime { get; set; }
    public string? Name { get; set; }
}

/// <summary>Moves the clock forward (never back) to <see cref="FrozenTime"/>; the clock is <c>advancing</c> until done.</summary>
public sealed class TestClockAdvanceOptions : StripeOptions
{
    public required DateTimeOffset FrozenTime { get; set; }
}

public sealed class TestClockListOptions : ListOptions;
