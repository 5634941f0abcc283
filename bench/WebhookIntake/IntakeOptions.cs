using System.Globalization;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// <c>[--concurrency 16] [--senders N] [--rounds 3] [--duration 20] [--warmup 20] [--ramp 5] [--min-body 3072] [--max-body 8192]
/// [--half-rate R] [--results dir] [--label text] [--no-pgbench] [--gateway-env KEY=VALUE]... [--npgsql "Key=Value;..."]
/// [--inbox-storage "param=value,..."]</c>. The last four are for investigating: run with one setting changed and compare.
/// </summary>
public sealed record IntakeOptions
{
    /// <summary>pgbench's client count, and the default number of closed-loop senders.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Closed-loop senders of the peak phase (default: the concurrency).</summary>
    public int? Senders { get; init; }

    /// <summary>Peak-then-pgbench pairs; the throughput target is judged on the median of their ratios.</summary>
    public int Rounds { get; init; } = 3;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Closed-loop warm-up before the peak: long enough for tiered compilation to settle on a slow 2-core box.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Open-loop run at the half-peak rate before the measured one (connections, caches at that rate).</summary>
    public TimeSpan Ramp { get; init; } = TimeSpan.FromSeconds(5);
    public int MinBodyBytes { get; init; } = 3 * 1024;
    public int MaxBodyBytes { get; init; } = 8 * 1024;

    /// <summary>The open-loop rate; default half of the measured peak.</summary>
    public double? HalfRate { get; init; }

    public string? ResultsDirectory { get; init; }

    /// <summary>Names the run in the report and the result file (e.g. the experiment it is).</summary>
    public string? Label { get; init; }

    public bool SkipPgBench { get; init; }

    /// <summary>Extra environment for the gateway process (e.g. <c>OTEL_SDK_DISABLED=true</c>).</summary>
    public IReadOnlyList<string> GatewayEnvironment { get; init; } = [];

    /// <summary>Appended to the gateway's connection string (e.g. <c>Max Auto Prepare=5</c>).</summary>
    public string? NpgsqlSettings { get; init; }

    /// <summary>Storage parameters set on billing.webhook_inbox before the run (e.g. <c>autovacuum_vacuum_insert_scale_factor=0.02</c>).</summary>
    public string? InboxStorage { get; init; }

    public int PeakSenders => Senders ?? Concurrency;

    public static IntakeOptions Parse(string[] args)
    {
        var options = new IntakeOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--concurrency" => options with { Concurrency = Int() },
                "--senders" => options with { Senders = Int() },
                "--rounds" => options with { Rounds = Int() },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Int()) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Int()) },
                "--ramp" => options with { Ramp = TimeSpan.FromSeconds(Int()) },
                "--min-body" => options with { MinBodyBytes = Int() },
                "--max-body" => options with { MaxBodyBytes = Int() },
                "--half-rate" => options with { HalfRate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--results" => options with { ResultsDirectory = Next() },
                "--label" => options with { Label = Next() },
                "--no-pgbench" => options with { SkipPgBench = true },
                "--gateway-env" => options with { GatewayEnvironment = [.. options.GatewayEnvironment, Next()] },
                "--npgsql" => options with { NpgsqlSettings = Next() },
                "--inbox-storage" => options with { InboxStorage = Next() },
                _ => throw new ArgumentException(
                    $"unknown option '{args[i]}'; options: --concurrency N, --senders N, --rounds N, --duration S, --warmup S, --ramp S, --min-body B, --max-body B, --half-rate R, --results DIR, --label TEXT, --no-pgbench, --gateway-env K=V, --npgsql SETTINGS, --inbox-storage PARAMS"),
            };
        }
        if (options.GatewayEnvironment.Any(e => !e.Contains('=', StringComparison.Ordinal)))
        {
            throw new ArgumentException("--gateway-env takes KEY=VALUE");
        }
        if (options.Concurrency < 1 || options.PeakSenders < 1 || options.Rounds < 1 || options.Duration <= TimeSpan.Zero || options.MinBodyBytes > options.MaxBodyBytes)
        {
            throw new ArgumentException("concurrency, senders and rounds must be positive, duration positive, min-body at most max-body");
        }
        return options;
    }
}
