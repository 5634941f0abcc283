using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Yapit.Bench.WebhookIntake;

/// <summary>
/// Realistic Stripe event bodies of a chosen size: the envelope Stripe sends (id, api_version, created, data.object,
/// previous_attributes, request) around invoices, subscriptions and checkout sessions, whose line items and
/// subscription items make them 3-8 KB in real life. A pool of templates is made up front, each with a fixed-width
/// placeholder for the event id, so a request costs a copy and an id write, not a JSON serialisation: the load
/// generator shares the two cores with the gateway and Postgres and must stay cheap.
/// </summary>
public sealed class StripeEventBodies
{
    /// <summary>Stripe's event ids are <c>evt_</c> and 24 characters.</summary>
    public const int IdLength = 24;

    private static readonly byte[] Placeholder = Encoding.ASCII.GetBytes("evt_" + new string('#', IdLength));
    private readonly Template[] _templates;

    private sealed record Template(byte[] Body, int IdOffset, string Type);

    public StripeEventBodies(int count, int minBytes, int maxBytes, int seed)
    {
        var random = new Random(seed);
        _templates = Enumerable.Range(0, count).Select(i => Create(minBytes + random.Next(maxBytes - minBytes + 1), i)).ToArray();
    }

    public IReadOnlyList<int> Sizes => _templates.Select(t => t.Body.Length).ToArray();

    /// <summary>A new body for event number <paramref name="sequence"/> of run <paramref name="runTag"/>; its id is unique per (tag, sequence).</summary>
    public byte[] Body(long sequence, string runTag, out string eventId)
    {
        var template = _templates[(int)(sequence % _templates.Length)];
        var body = (byte[])template.Body.Clone();
        eventId = EventId(runTag, sequence);
        Encoding.ASCII.GetBytes(eventId, body.AsSpan(template.IdOffset, Placeholder.Length));
        return body;
    }

    /// <summary><c>evt_1</c>, a 6-character run tag and the sequence number: 24 characters after the prefix, like Stripe's.</summary>
    public static string EventId(string runTag, long sequence) =>
        "evt_1" + runTag + sequence.ToString("D17", CultureInfo.InvariantCulture);

    /// <summary>One representative body of <paramref name="bytes"/> bytes (pgbench's payload).</summary>
    public static string Sample(int bytes, int seed)
    {
        var template = Create(bytes, seed);
        var body = (byte[])template.Body.Clone();
        Encoding.ASCII.GetBytes(EventId("sample", 0), body.AsSpan(template.IdOffset, Placeholder.Length));
        return Encoding.UTF8.GetString(body);
    }

    private static Template Create(int targetBytes, int index)
    {
        var type = (index % 4) switch
        {
            0 => "invoice.paid",
            1 => "customer.subscription.updated",
            2 => "checkout.session.completed",
            _ => "invoice.payment_failed",
        };
        // Grow the repeated part (invoice lines, subscription items, custom fields) until just below the target,
        // then pad a text field to the exact size.
        var items = 0;
        var unpadded = 0;
        for (var candidate = 1; candidate < 64; candidate++)
        {
            var length = Write(type, candidate, padding: 0).Length;
            if (length > targetBytes)
            {
                break;
            }
            (items, unpadded) = (candidate, length);
        }
        if (items == 0)
        {
            throw new ArgumentException($"{targetBytes} bytes is too small for a {type} event");
        }
        var body = Write(type, items, targetBytes - unpadded);
        return new Template(body, body.AsSpan().IndexOf(Placeholder), type);
    }

    private static byte[] Write(string type, int items, int padding)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var json = new Utf8JsonWriter(buffer))
        {
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            json.WriteStartObject();
            json.WriteString("id", "evt_" + new string('#', IdLength));
            json.WriteString("object", "event");
            json.WriteString("api_version", "2026-10-28.endive");
            json.WriteNumber("created", created);
            json.WriteStartObject("data");
            json.WritePropertyName("object");
            switch (type)
            {
                case "customer.subscription.updated":
                    WriteSubscription(json, created, items, padding);
                    break;
                case "checkout.session.completed":
                    WriteCheckoutSession(json, created, items, padding);
                    break;
                default:
                    WriteInvoice(json, created, items, padding, paid: type == "invoice.paid");
                    break;
            }
            if (type == "customer.subscription.updated")
            {
                json.WriteStartObject("previous_attributes");
                json.WriteStartObject("items");
                json.WriteStartArray("data");
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteString("status", "trialing");
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteBoolean("livemode", false);
            json.WriteNumber("pending_webhooks", 1);
            json.WriteStartObject("request");
            json.WriteString("id", "req_9f3ZkQ2bW1xYvT");
            json.WriteString("idempotency_key", "5b3f8c2e-1d4a-4b6e-9c0f-7a2d1e3b4c5d");
            json.WriteEndObject();
            json.WriteString("type", type);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteInvoice(Utf8JsonWriter json, long created, int lines, int padding, bool paid)
    {
        json.WriteStartObject();
        json.WriteString("id", "in_1QxBench7Invoice0000001");
        json.WriteString("object", "invoice");
        json.WriteString("account_country", "DE");
        json.WriteString("account_name", "Yapit");
        json.WriteNumber("amount_due", 2000 * lines);
        json.WriteNumber("amount_paid", paid ? 2000 * lines : 0);
        json.WriteNumber("amount_remaining", paid ? 0 : 2000 * lines);
        json.WriteNumber("attempt_count", paid ? 1 : 2);
        json.WriteBoolean("attempted", true);
        json.WriteString("billing_reason", "subscription_cycle");
        json.WriteString("collection_method", "charge_automatically");
        json.WriteNumber("created", created);
        json.WriteString("currency", "eur");
        json.WriteString("customer", "cus_QxBenchCustomer01");
        json.WriteString("customer_email", "reader@example.com");
        json.WriteString("customer_name", "A. Reader");
        json.WriteString("footer", new string('-', padding));
        json.WriteString("hosted_invoice_url", "https://invoice.stripe.com/i/acct_1QxBench/test_YWNjdF8xUXhCZW5jaCxfUXhCZW5jaEludm9pY2U");
        json.WriteString("invoice_pdf", "https://pay.stripe.com/invoice/acct_1QxBench/test_YWNjdF8xUXhCZW5jaCxfUXhCZW5jaEludm9pY2U/pdf");
        json.WriteStartObject("lines");
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < lines; i++)
        {
            json.WriteStartObject();
            json.WriteString("id", $"il_1QxBenchLine{i:D10}");
            json.WriteString("object", "line_item");
            json.WriteNumber("amount", 2000);
            json.WriteString("currency", "eur");
            json.WriteString("description", $"1 x Yapit Plus (at EUR 20.00 / month), line {i}");
            json.WriteBoolean("discountable", true);
            json.WriteStartArray("discounts");
            json.WriteEndArray();
            json.WriteString("invoice", "in_1QxBench7Invoice0000001");
            json.WriteBoolean("livemode", false);
            json.WriteStartObject("metadata");
            json.WriteEndObject();
            json.WriteStartObject("parent");
            json.WriteStartObject("subscription_item_details");
            json.WriteBoolean("proration", false);
            json.WriteString("subscription", "sub_1QxBenchSubscription01");
            json.WriteString("subscription_item", $"si_QxBenchItem{i:D6}");
            json.WriteEndObject();
            json.WriteString("type", "subscription_item_details");
            json.WriteEndObject();
            json.WriteStartObject("period");
            json.WriteNumber("end", created + 2_592_000);
            json.WriteNumber("start", created);
            json.WriteEndObject();
            json.WriteStartObject("pricing");
            json.WriteStartObject("price_details");
            json.WriteString("price", "price_1QxBenchPlusMonthly01");
            json.WriteString("product", "yapit_plus");
            json.WriteEndObject();
            json.WriteString("type", "price_details");
            json.WriteString("unit_amount_decimal", "2000");
            json.WriteEndObject();
            json.WriteNumber("quantity", 1);
            json.WriteStartArray("taxes");
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteBoolean("has_more", false);
        json.WriteNumber("total_count", lines);
        json.WriteString("url", "/v1/invoices/in_1QxBench7Invoice0000001/lines");
        json.WriteEndObject();
        json.WriteBoolean("livemode", false);
        json.WriteStartObject("metadata");
        json.WriteEndObject();
        json.WriteString("number", "YAPIT-0001-0042");
        json.WriteStartObject("parent");
        json.WriteStartObject("subscription_details");
        json.WriteStartObject("metadata");
        json.WriteString("yapit_user_id", "usr_7f3a9c1e");
        json.WriteEndObject();
        json.WriteString("subscription", "sub_1QxBenchSubscription01");
        json.WriteEndObject();
        json.WriteString("type", "subscription_details");
        json.WriteEndObject();
        json.WriteNumber("period_end", created);
        json.WriteNumber("period_start", created - 2_592_000);
        json.WriteString("status", paid ? "paid" : "open");
        json.WriteStartObject("status_transitions");
        json.WriteNumber("finalized_at", created);
        json.WriteNull("marked_uncollectible_at");
        json.WriteNumber("paid_at", created);
        json.WriteNull("voided_at");
        json.WriteEndObject();
        json.WriteNumber("subtotal", 2000 * lines);
        json.WriteNumber("total", 2000 * lines);
        json.WriteEndObject();
    }

    private static void WriteSubscription(Utf8JsonWriter json, long created, int items, int padding)
    {
        json.WriteStartObject();
        json.WriteString("id", "sub_1QxBenchSubscription01");
        json.WriteString("object", "subscription");
        json.WriteNull("application");
        json.WriteStartObject("automatic_tax");
        json.WriteBoolean("enabled", true);
        json.WriteEndObject();
        json.WriteNumber("billing_cycle_anchor", created);
        json.WriteBoolean("cancel_at_period_end", false);
        json.WriteString("collection_method", "charge_automatically");
        json.WriteNumber("created", created - 259_200);
        json.WriteString("currency", "eur");
        json.WriteString("customer", "cus_QxBenchCustomer01");
        json.WriteString("default_payment_method", "pm_1QxBenchCard0000000001");
        json.WriteString("description", new string('-', padding));
        json.WriteStartObject("items");
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < items; i++)
        {
            json.WriteStartObject();
            json.WriteString("id", $"si_QxBenchItem{i:D6}");
            json.WriteString("object", "subscription_item");
            json.WriteNumber("created", created - 259_200);
            json.WriteNumber("current_period_end", created + 2_592_000);
            json.WriteNumber("current_period_start", created);
            json.WriteStartArray("discounts");
            json.WriteEndArray();
            json.WriteStartObject("metadata");
            json.WriteEndObject();
            json.WriteStartObject("price");
            json.WriteString("id", "price_1QxBenchPlusMonthly01");
            json.WriteString("object", "price");
            json.WriteBoolean("active", true);
            json.WriteString("billing_scheme", "per_unit");
            json.WriteNumber("created", created - 8_000_000);
            json.WriteString("currency", "eur");
            json.WriteBoolean("livemode", false);
            json.WriteString("lookup_key", "yapit_plus_monthly_v2");
            json.WriteStartObject("metadata");
            json.WriteString("managed_by", "yapit-stripe-setup");
            json.WriteEndObject();
            json.WriteNull("nickname");
            json.WriteString("product", "yapit_plus");
            json.WriteStartObject("recurring");
            json.WriteString("interval", "month");
            json.WriteNumber("interval_count", 1);
            json.WriteString("usage_type", "licensed");
            json.WriteEndObject();
            json.WriteString("tax_behavior", "exclusive");
            json.WriteString("type", "recurring");
            json.WriteNumber("unit_amount", 2000);
            json.WriteString("unit_amount_decimal", "2000");
            json.WriteEndObject();
            json.WriteNumber("quantity", 1);
            json.WriteString("subscription", "sub_1QxBenchSubscription01");
            json.WriteStartArray("tax_rates");
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteBoolean("has_more", false);
        json.WriteNumber("total_count", items);
        json.WriteString("url", "/v1/subscription_items?subscription=sub_1QxBenchSubscription01");
        json.WriteEndObject();
        json.WriteString("latest_invoice", "in_1QxBench7Invoice0000001");
        json.WriteBoolean("livemode", false);
        json.WriteStartObject("metadata");
        json.WriteString("yapit_user_id", "usr_7f3a9c1e");
        json.WriteEndObject();
        json.WriteNumber("start_date", created - 259_200);
        json.WriteString("status", "active");
        json.WriteNumber("trial_end", created);
        json.WriteNumber("trial_start", created - 259_200);
        json.WriteEndObject();
    }

    private static void WriteCheckoutSession(Utf8JsonWriter json, long created, int fields, int padding)
    {
        json.WriteStartObject();
        json.WriteString("id", "cs_test_a1QxBenchCheckoutSession000000000000000000001");
        json.WriteString("object", "checkout.session");
        json.WriteNumber("amount_subtotal", 2000);
        json.WriteNumber("amount_total", 2000);
        json.WriteStartObject("automatic_tax");
        json.WriteBoolean("enabled", true);
        json.WriteString("status", "complete");
        json.WriteEndObject();
        json.WriteString("billing_address_collection", "auto");
        json.WriteString("cancel_url", "https://yapit.md/subscription?checkout=cancelled");
        json.WriteString("client_reference_id", "usr_7f3a9c1e");
        json.WriteNumber("created", created - 120);
        json.WriteString("currency", "eur");
        json.WriteStartArray("custom_fields");
        for (var i = 0; i < fields; i++)
        {
            json.WriteStartObject();
            json.WriteString("key", $"field_{i}");
            json.WriteStartObject("label");
            json.WriteString("custom", $"Company or organisation name, field {i}");
            json.WriteString("type", "custom");
            json.WriteEndObject();
            json.WriteBoolean("optional", true);
            json.WriteStartObject("text");
            json.WriteNull("default_value");
            json.WriteNumber("maximum_length", 255);
            json.WriteNumber("minimum_length", 1);
            json.WriteString("value", "Yapit reader organisation with a rather long name GmbH & Co. KG");
            json.WriteEndObject();
            json.WriteString("type", "text");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("custom_text");
        json.WriteNull("after_submit");
        json.WriteNull("shipping_address");
        json.WriteStartObject("submit");
        json.WriteString("message", new string('-', padding));
        json.WriteEndObject();
        json.WriteNull("terms_of_service_acceptance");
        json.WriteEndObject();
        json.WriteString("customer", "cus_QxBenchCustomer01");
        json.WriteString("customer_creation", "if_required");
        json.WriteStartObject("customer_details");
        json.WriteStartObject("address");
        json.WriteString("city", "Berlin");
        json.WriteString("country", "DE");
        json.WriteString("line1", "Musterstrasse 1");
        json.WriteNull("line2");
        json.WriteString("postal_code", "10115");
        json.WriteNull("state");
        json.WriteEndObject();
        json.WriteString("email", "reader@example.com");
        json.WriteString("name", "A. Reader");
        json.WriteString("tax_exempt", "none");
        json.WriteStartArray("tax_ids");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteString("invoice", "in_1QxBench7Invoice0000001");
        json.WriteBoolean("livemode", false);
        json.WriteString("locale", "auto");
        json.WriteStartObject("metadata");
        json.WriteString("yapit_user_id", "usr_7f3a9c1e");
        json.WriteString("tier", "plus");
        json.WriteEndObject();
        json.WriteString("mode", "subscription");
        json.WriteString("payment_status", "paid");
        json.WriteStartArray("payment_method_types");
        json.WriteStringValue("card");
        json.WriteStringValue("paypal");
        json.WriteEndArray();
        json.WriteString("status", "complete");
        json.WriteString("subscription", "sub_1QxBenchSubscription01");
        json.WriteString("success_url", "https://yapit.md/subscription?checkout=success&session_id={CHECKOUT_SESSION_ID}");
        json.WriteStartObject("total_details");
        json.WriteNumber("amount_discount", 0);
        json.WriteNumber("amount_shipping", 0);
        json.WriteNumber("amount_tax", 380);
        json.WriteEndObject();
        json.WriteString("ui_mode", "hosted");
        json.WriteNull("url");
        json.WriteEndObject();
    }
}
