using System.Globalization;

namespace Yapit.Bench.CatalogCallBudget;

/// <summary><c>[--products 100] [--prices-per-product 10] [--results dir]</c></summary>
public sealed record CallBudgetOptions
{
    public int Products { get; init; } = 100;
    public int PricesPerProduct { get; init; } = 10;

    /// <summary>Where the JSON report goes (default bench/results).</summary>
    public string? ResultsDirectory { get; init; }

    public static CallBudgetOptions Parse(string[] args)
    {
        var options = new CallBudgetOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--products" => options with { Products = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--prices-per-product" => options with { PricesPerProduct = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--results" => options with { ResultsDirectory = Next() },
                _ => throw new ArgumentException($"unknown option '{args[i]}'; options: --products N, --prices-per-product N, --results DIR"),
            };
        }
        return options;
    }
}
