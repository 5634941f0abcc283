using System.Net;
using Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// Stripe.net 53.1.0 (the SDK the services use) pointed at the emulator, and the catalog a billing test needs:
/// monthly and yearly prices of two tiers.
/// </summary>
public static class StripeNetHarness
{
    public static StripeClient StripeNet(this StripeEmulatorFixture emulator) => new(new StripeClientOptions
    {
        ApiKey = StripeEmulatorFixture.TestSecretKey,
        ApiBase = emulator.BaseAddress.ToString().TrimEnd('/'),
        HttpClient = new SystemNetHttpClient(new HttpClient(new SocketsHttpHandler { UseProxy = false }), maxNetworkRetries: 0),
    });

    /// <summary>A client for the hosted pages: no redirects followed, so tests see where a page sends the browser.</summary>
    public static HttpClient Browser(this StripeEmulatorFixture emulator) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = emulator.BaseAddress };

    public sealed record Catalog(Price PlusMonthly, Price MaxMonthly, Price PlusYearly, Price OneTime);

    /// <summary>Plus at $9.00/month or $90.00/year, Max at $19.00/month, a $5.00 one-time credit pack.</summary>
    public static async Task<Catalog> CreateCatalogAsync(StripeClient stripe, CancellationToken ct)
    {
        var plus = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Yapit Plus" }, cancellationToken: ct);
        var max = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Yapit Max" }, cancellationToken: ct);
        var pack = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Credit pack" }, cancellationToken: ct);
        Task<Price> PriceAsync(Product product, long amount, string? interval) => stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            UnitAmount = amount,
            Currency = "usd",
            Recurring = interval is null ? null : new PriceRecurringOptions { Interval = interval },
        }, cancellationToken: ct);
        return new Catalog(await PriceAsync(plus, 900, "month"), await PriceAsync(max, 1900, "month"), await PriceAsync(plus, 9000, "year"), await PriceAsync(pack, 500, null));
    }

    public static async Task<Customer> CustomerWithCardAsync(StripeClient stripe, string card, CancellationToken ct)
    {
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "ada@example.com", Name = "Ada" }, cancellationToken: ct);
        var pm = await stripe.V1.PaymentMethods.AttachAsync(card, new PaymentMethodAttachOptions { Customer = customer.Id }, cancellationToken: ct);
        return await stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = pm.Id },
        }, cancellationToken: ct);
    }

    /// <summary>Every event so far, oldest first, through Stripe.net's list (which pages newest first).</summary>
    public static async Task<List<Event>> EventsAsync(StripeClient stripe, CancellationToken ct)
    {
        var events = new List<Event>();
        await foreach (var e in stripe.V1.Events.ListAutoPagingAsync(new EventListOptions { Limit = 100 }, cancellationToken: ct))
        {
            events.Add(e);
        }
        events.Reverse();
        return events;
    }

    /// <summary>Proration as Stripe computes it: the amount times the share of the period left, to the second, rounded to the cent.</summary>
    public static long Prorated(long amount, DateTime from, DateTime start, DateTime end) =>
        (long)Math.Round((decimal)amount * (long)(end - from).TotalSeconds / (long)(end - start).TotalSeconds, MidpointRounding.AwayFromZero);

    public static async Task<(HttpStatusCode Status, string? Location, string Body)> PostFormAsync(HttpClient browser, string path, params (string Key, string Value)[] fields)
    {
        using var response = await browser.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Key, f.Value))), TestContext.Current.CancellationToken);
        return (response.StatusCode, response.Headers.Location?.ToString(), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
