using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Catalog.Products;

/// <summary>
/// Stripe's tax codes: a fixed list Stripe provides, which a product's <c>tax_code</c> names and <c>expand</c> shows.
/// The emulator knows the common ones by name; any other <c>txcd_</c> code gets a generic name.
/// </summary>
internal static class TaxCodes
{
    public const string Type = "tax_code";

    private static readonly Dictionary<string, (string Name, string Description)> Known = new(StringComparer.Ordinal)
    {
        ["txcd_00000000"] = ("Nontaxable", "Any nontaxable good or service."),
        ["txcd_10000000"] = ("General - Electronically Supplied Services", "A digital service provided mainly through the internet with minimal human involvement."),
        ["txcd_10103000"] = ("Software as a service (SaaS) - personal use", "Pre-written software, delivered electronically, but access remotely, for personal use."),
        ["txcd_10103001"] = ("Software as a service (SaaS) - business use", "Pre-written software, delivered electronically, but access remotely, for business use."),
        ["txcd_20030000"] = ("General - Services", "General category for services."),
        ["txcd_99999999"] = ("General - Tangible Goods", "A physical good that can be moved or touched."),
    };

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "tax code",
        BuiltIn = Find,
    };

    public static JsonObject? Find(string id)
    {
        if (!id.StartsWith("txcd_", StringComparison.Ordinal))
        {
            return null;
        }
        var (name, description) = Known.TryGetValue(id, out var known) ? known : ($"Tax code {id[5..]}", "A Stripe product tax code.");
        return new JsonObject { ["id"] = id, ["object"] = Type, ["description"] = description, ["name"] = name };
    }
}
