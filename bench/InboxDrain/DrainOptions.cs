using System.Globalization;

namespace Yapit.Bench.InboxDrain;

/// <summary>
/// Command line: <c>[--backlogs 1000,10000,100000] [--workers 1,2] [--events-per-object 5] [--max-seconds 300]
/// [--stripe-rate 1000] [--intake-concurrency 16] [--pgbench-seconds 10] [--results DIR] [--label TEXT]</c>.
/// </summary>
public sealed record DrainOptions
{
    public IReadOnlyList<int> Backlogs { get; init; } = [1_000, 10_000, 100_000];
    public IReadOnlyList<int> Workers { get; init; } = [1, 2];

    /// <summary>
    /// Events per subscription on average (the objects are backlog / this, events spread over them at random), the
    /// same at every backlog size so that only the backlog's size changes between runs.
    /// </summary>
    public int EventsPerObject { get; init; } = 5;

    /// <summary>A drain not finished by then is measured over this time (the rate of what was processed), and reported as cut.</summary>
    public int MaxSeconds { get; init; } = 300;

    /// <summary>The workers' <c>Stripe:MaxRequestsPerSecond</c>: the emulator is no Stripe, so by default far above Stripe's limits.</summary>
    public double StripeRate { get; init; } = 1000;

    public int IntakeConcurrency { get; init; } = 16;
    public int PgBenchSeconds { get; init; } = 10;
    public string? ResultsDirectory { get; init; }
    public string? Label { get; init; }

    public static DrainOptions Parse(string[] args)
    {
        var options = new DrainOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            int[] Ints() => [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            options = args[i] switch
            {
                "--backlogs" => options with { Backlogs = Ints() },
                "--workers" => options with { Workers = Ints() },
                "--events-per-object" => options with { EventsPerObject = Int() },
                "--max-seconds" => options with { MaxSeconds = Int() },
                "--stripe-rate" => options with { StripeRate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--intake-concurrency" => options with { IntakeConcurrency = Int() },
                "--pgbench-seconds" => options with { PgBenchSeconds = Int() },
                "--results" => options with { ResultsDirectory = Path.GetFullPath(Next()) },
                "--label" => options with { Label = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }
        if (options.Backlogs.Any(b => b < 1) || options.Workers.Any(w => w < 1) || options.EventsPerObject < 1 || options.MaxSeconds < 1)
        {
            throw new ArgumentException("--backlogs, --workers, --events-per-object and --max-seconds must be positive");
        }
        return options;
    }
}
