using System.Reflection;
using System.Text.Json;
using Stripe;
using Stripe.Checkout;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator.StripeNet;

/// <summary>
/// "No field lost": every field the emulator returns for the new resources is one Stripe.net 53.1.0's model has
/// (its JSON property names), at the top level and in the nested objects that matter (items, lines, details).
/// </summary>
[Trait("Category", "Integration")]
public sealed class FieldCoverageTests(StripeEmulatorFixture emulator) : IClassFixture<StripeEmulatorFixture>, IAsyncLifetime
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await emulator.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Every_field_of_customers_payment_methods_subscriptions_invoices_and_sessions_exists_in_StripeNet_models()
    {
        var stripe = emulator.StripeNet();
        var catalog = await StripeNetHarness.CreateCatalogAsync(stripe, _ct);
        var session = await stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            LineItems = [new SessionLineItemOptions { Price = catalog.PlusMonthly.Id, Quantity = 1 }],
            SuccessUrl = "https://yapit.example/ok",
        }, cancellationToken: _ct);
        using var browser = emulator.Browser();
        await StripeNetHarness.PostFormAsync(browser, $"/checkout/{session.Id}/pay", ("card", "pm_card_visa"), ("email", "f@example.com"));
        session = await stripe.V1.Checkout.Sessions.GetAsync(session.Id, cancellationToken: _ct);
        var subscription = await stripe.V1.Subscriptions.GetAsync(session.SubscriptionId, cancellationToken: _ct);
        await stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = subscription.Items.Data[0].Id, Price = catalog.MaxMonthly.Id }],
            ProrationBehavior = "always_invoice",
        }, cancellationToken: _ct);
        var payment = (await stripe.V1.InvoicePayments.ListAsync(new InvoicePaymentListOptions { Invoice = session.InvoiceId }, cancellationToken: _ct)).Data[0];
        using var http = emulator.CreateHttpClient();

        var missing = new List<string>();
        var checkedObjects = 0;
        async Task CheckAsync(string path, Type model, params (string Path, Type Model)[] nested)
        {
            var body = (await http.StripeGetAsync(path)).Body;
            Compare(body, model, path, missing);
            checkedObjects++;
            foreach (var (nestedPath, nestedModel) in nested)
            {
                foreach (var element in At(body, nestedPath))
                {
                    Compare(element, nestedModel, $"{path} {nestedPath}", missing);
                    checkedObjects++;
                }
            }
        }

        await CheckAsync($"/v1/customers/{session.CustomerId}", typeof(Customer), ("invoice_settings", typeof(CustomerInvoiceSettings)));
        await CheckAsync($"/v1/payment_methods/{subscription.DefaultPaymentMethodId}", typeof(PaymentMethod), ("card", typeof(PaymentMethodCard)), ("billing_details", typeof(PaymentMethodBillingDetails)));
        await CheckAsync($"/v1/subscriptions/{subscription.Id}", typeof(Subscription), ("items.data", typeof(SubscriptionItem)), ("items.data.plan", typeof(Plan)),
            ("cancellation_details", typeof(SubscriptionCancellationDetails)), ("billing_mode", typeof(SubscriptionBillingMode)));
        var latest = (await stripe.V1.Subscriptions.GetAsync(subscription.Id, cancellationToken: _ct)).LatestInvoiceId;
        foreach (var invoiceId in new[] { session.InvoiceId, latest })
        {
            await CheckAsync($"/v1/invoices/{invoiceId}", typeof(Invoice), ("lines.data", typeof(InvoiceLineItem)), ("parent", typeof(InvoiceParent)),
                ("parent.subscription_details", typeof(InvoiceParentSubscriptionDetails)), ("status_transitions", typeof(InvoiceStatusTransitions)),
                ("lines.data.parent", typeof(InvoiceLineItemParent)), ("lines.data.parent.subscription_item_details", typeof(InvoiceLineItemParentSubscriptionItemDetails)),
                ("lines.data.pricing", typeof(InvoiceLineItemPricing)), ("lines.data.period", typeof(InvoiceLineItemPeriod)));
        }
        await CheckAsync($"/v1/checkout/sessions/{session.Id}?expand[0]=line_items", typeof(Session), ("line_items.data", typeof(LineItem)),
            ("customer_details", typeof(SessionCustomerDetails)), ("total_details", typeof(SessionTotalDetails)));
        await CheckAsync($"/v1/invoice_payments/{payment.Id}", typeof(InvoicePayment), ("payment", typeof(InvoicePaymentPayment)));
        await CheckAsync($"/v1/payment_intents/{payment.Payment.PaymentIntentId}", typeof(PaymentIntent));

        Assert.True(checkedObjects >= 30, $"only {checkedObjects} objects were checked");
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    private static IEnumerable<JsonElement> At(JsonElement root, string path)
    {
        IEnumerable<JsonElement> current = [root];
        foreach (var segment in path.Split('.'))
        {
            current = current.SelectMany(e => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToArray() : new[] { e })
                .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(segment, out _))
                .Select(e => e.GetProperty(segment));
        }
        return current.SelectMany(e => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().ToArray() : new[] { e }).Where(e => e.ValueKind == JsonValueKind.Object);
    }

    private static void Compare(JsonElement body, Type model, string where, List<string> missing)
    {
        var names = JsonNames(model);
        foreach (var property in body.EnumerateObject())
        {
            if (!names.Contains(property.Name))
            {
                missing.Add($"{where}: {property.Name} (not in {model.Name})");
            }
        }
    }

    /// <summary>The JSON names Stripe.net maps (Newtonsoft's JsonProperty and System.Text.Json's JsonPropertyName).</summary>
    private static HashSet<string> JsonNames(Type model) =>
        [.. model.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .SelectMany(p => p.GetCustomAttributes(inherit: true))
            .Select(a => a.GetType().GetProperty("PropertyName")?.GetValue(a) as string ?? (a.GetType().Name == "JsonPropertyNameAttribute" ? a.GetType().GetProperty("Name")?.GetValue(a) as string : null))
            .OfType<string>()];
}
