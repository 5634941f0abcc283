using System.Globalization;

namespace Yapit.Bench.WebhookToEntitlement;

/// <summary>Command line: <c>[--users 200] [--rate 20] [--duration 30] [--warmup 10] [--mode cancel|price] [--poll-ms 20] [--timeout 30] [--results DIR] [--label TEXT]</c>.</summary>
public sealed record EntitlementOptions
{
    public int Users { get; init; } = 200;
    public double Rate { get; init; } = 20;
    public int DurationSeconds { get; init; } = 30;
    public int WarmupSeconds { get; init; } = 10;

    /// <summary><c>cancel</c> toggles cancel_at_period_end; <c>price</c> switches the item between Plus and Max monthly.</summary>
    public string Mode { get; init; } = "cancel";

    public int PollMilliseconds { get; init; } = 20;

    /// <summary>A change not seen by then counts as timed out (and is reported), not as a latency.</summary>
    public int TimeoutSeconds { get; init; } = 30;

    public string? ResultsDirectory { get; init; }
    public string? Label { get; init; }

    public static EntitlementOptions Parse(string[] args)
    {
        var options = new EntitlementOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--users" => options with { Users = Int() },
                "--rate" => options with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--duration" => options with { DurationSeconds = Int() },
                "--warmup" => options with { WarmupSeconds = Int() },
                "--mode" => options with { Mode = Next() is "cancel" or "price" ? args[i] : throw new ArgumentException("--mode is cancel or price") },
                "--poll-ms" => options with { PollMilliseconds = Int() },
                "--timeout" => options with { TimeoutSeconds = Int() },
                "--results" => options with { ResultsDirectory = Path.GetFullPath(Next()) },
                "--label" => options with { Label = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }
        if (options.Users < 2 || options.Rate <= 0 || options.DurationSeconds <= 0 || options.WarmupSeconds < 0 || options.PollMilliseconds <= 0)
        {
            throw new ArgumentException("--users must be at least 2; --rate, --duration and --poll-ms positive; --warmup not negative");
        }
        return options;
    }
}
