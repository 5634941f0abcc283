using Microsoft.Extensions.Options;

namespace Yapit.StripeEmulator.Hosting;

/// <summary>
/// Configuration section <c>Emulator</c>; the command line's <c>--forward-to</c>, <c>--state-dir</c> and
/// <c>--chaos</c> set <c>Emulator:ForwardTo</c>, <c>Emulator:StateDirectory</c> and <c>Emulator:Chaos:Rate</c>.
/// </summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>Where every event is also sent, signed with the emulator's own secret (what <c>stripe listen --forward-to</c> does).</summary>
    public string? ForwardTo { get; set; }

    /// <summary>Where the state is kept between runs (<c>state.json</c>); none keeps it in memory only.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>A fixed listen secret (<c>whsec_...</c>) instead of a generated one.</summary>
    public string? WebhookSecret { get; set; }

    public DeliveryOptions Delivery { get; set; } = new();

    public ChaosOptions Chaos { get; set; } = new();
}

/// <summary>How webhook deliveries are attempted and retried.</summary>
public sealed class DeliveryOptions
{
    /// <summary>The wait after the first failed attempt; each further failure doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts per event and target, the first included (10 spans about 13 minutes with the defaults).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests in flight at once, across all targets.</summary>
    public int MaxConcurrency { get; set; } = 16;
}

/// <summary>Chaos for testing consumers: at <see cref="Rate"/>, a delivery is duplicated and, independently, delayed.</summary>
public sealed class ChaosOptions
{
    /// <summary>0 (off) to 1 (every delivery).</summary>
    public double Rate { get; set; }

    /// <summary>A delayed delivery waits a random time up to this, which reorders deliveries.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Refuses to start with settings that make no sense, saying which and why.</summary>
public sealed class EmulatorOptionsValidator : IValidateOptions<EmulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        var errors = new List<string>();
        if (options.ForwardTo is { Length: > 0 } forwardTo
            && !(Uri.TryCreate(forwardTo, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)))
        {
            errors.Add($"--forward-to (Emulator:ForwardTo) must be an absolute http or https URL, not '{forwardTo}'.");
        }
        if (options.Chaos.Rate is < 0 or > 1 || double.IsNaN(options.Chaos.Rate))
        {
            errors.Add($"--chaos (Emulator:Chaos:Rate) must be between 0 and 1, not {options.Chaos.Rate}.");
        }
        if (options.WebhookSecret is { Length: > 0 } secret && !secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            errors.Add("Emulator:WebhookSecret must start with whsec_.");
        }
        if (options.Delivery.MaxAttempts < 1)
        {
            errors.Add("Emulator:Delivery:MaxAttempts must be at least 1.");
        }
        if (options.Delivery.MaxConcurrency < 1)
        {
            errors.Add("Emulator:Delivery:MaxConcurrency must be at least 1.");
        }
        if (options.Delivery.RetryBaseDelay < TimeSpan.Zero || options.Delivery.Timeout <= TimeSpan.Zero || options.Chaos.MaxDelay < TimeSpan.Zero)
        {
            errors.Add("Emulator:Delivery delays and timeout, and Emulator:Chaos:MaxDelay, must not be negative.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
