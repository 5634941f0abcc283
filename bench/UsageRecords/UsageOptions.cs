using System.Globalization;

namespace Yapit.Bench.UsageRecords;

/// <summary>
/// <c>[--concurrency 16] [--users 1000] [--rounds 2] [--duration 15] [--warmup 10] [--ramp 3] [--max-amount 1000]
/// [--half-rate R] [--results dir] [--label text] [--no-pgbench] [--http] [--npgsql "Key=Value;..."] [--record-writers N]
/// [--record-batch N] [--records-per-call N]</c>.
/// </summary>
public sealed record UsageOptions
{
    /// <summary>Closed-loop callers of the peak phase, open-loop callers of the latency phase, and pgbench's clients.</summary>
    public int Concurrency { get; init; } = 16;

    public int Users { get; init; } = 1000;

    /// <summary>Peak-then-pgbench pairs; the throughput target is judged on the median of their ratios.</summary>
    public int Rounds { get; init; } = 2;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Closed-loop warm-up (JIT, pool, prepared statements) before the first peak.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Open loop at the latency phase's rate before the measured one.</summary>
    public TimeSpan Ramp { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Each record spends a uniformly random amount in 1..max of the tokens meter.</summary>
    public int MaxAmount { get; init; } = 1000;

    /// <summary>The open-loop rate; default half of the median peak.</summary>
    public double? HalfRate { get; init; }

    public string? ResultsDirectory { get; init; }

    public string? Label { get; init; }

    public bool SkipPgBench { get; init; }

    /// <summary>Also through the gateway's HTTP endpoint (its own process): warm-up, peak, half of that peak.</summary>
    public bool Http { get; init; }

    /// <summary>Appended to the ledger's connection string (e.g. <c>No Reset On Close=true</c>), to compare a setting.</summary>
    public string? NpgsqlSettings { get; init; }

    /// <summary>The ledger's group commit (<see cref="Yapit.Billing.Usage.UsageLedgerOptions"/>); the product's defaults when not given.</summary>
    public int? RecordWriters { get; init; }

    public int? RecordBatch { get; init; }

    /// <summary>Records per call: 1 sends single records; more sends batches (the API's <c>records</c>), each record for a random user.</summary>
    public int RecordsPerCall { get; init; } = 1;

    public static UsageOptions Parse(string[] args)
    {
        var options = new UsageOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--concurrency" => options with { Concurrency = Int() },
                "--users" => options with { Users = Int() },
                "--rounds" => options with { Rounds = Int() },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Int()) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Int()) },
                "--ramp" => options with { Ramp = TimeSpan.FromSeconds(Int()) },
                "--max-amount" => options with { MaxAmount = Int() },
                "--half-rate" => options with { HalfRate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--results" => options with { ResultsDirectory = Next() },
                "--label" => options with { Label = Next() },
                "--no-pgbench" => options with { SkipPgBench = true },
                "--http" => options with { Http = true },
                "--npgsql" => options with { NpgsqlSettings = Next() },
                "--record-writers" => options with { RecordWriters = Int() },
                "--record-batch" => options with { RecordBatch = Int() },
                "--records-per-call" => options with { RecordsPerCall = Int() },
                _ => throw new ArgumentException(
                    $"unknown option '{args[i]}'; options: --concurrency N, --users N, --rounds N, --duration S, --warmup S, --ramp S, --max-amount N, --half-rate R, --results DIR, --label TEXT, --no-pgbench, --http, --npgsql SETTINGS, --record-writers N, --record-batch N, --records-per-call N"),
            };
        }
        if (options.Concurrency < 1 || options.Users < 1 || options.Rounds < 1 || options.Duration <= TimeSpan.Zero || options.MaxAmount < 1)
        {
            throw new ArgumentException("concurrency, users, rounds, duration and max-amount must be positive");
        }
        return options;
    }
}
