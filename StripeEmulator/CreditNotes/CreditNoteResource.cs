using System.Globalization;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.Refunds;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.CreditNotes;

/// <summary>
/// <c>/v1/credit_notes</c> (https://docs.stripe.com/api/credit_notes/create,
/// https://docs.stripe.com/invoicing/integration/programmatic-credit-notes): adjusts a finalized invoice. The note
/// first lowers an open invoice's <c>amount_remaining</c> (<c>pre_payment_amount</c>); the rest
/// (<c>post_payment_amount</c>) must be exactly covered by <c>refund_amount</c> (a refund of the invoice's charge),
/// <c>credit_amount</c> (the customer's balance) and <c>out_of_band_amount</c>. Notes never exceed what the invoice
/// still has to credit. Events: <c>credit_note.created</c> (and the refund's), <c>invoice.updated</c>.
/// </summary>
internal static class CreditNoteResource
{
    public const string Type = "credit_note";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "credit note",
        Expandable = new Dictionary<string, string>
        {
            ["customer"] = CustomerResource.Type,
            ["invoice"] = InvoiceEngine.Type,
            ["refunds.refund"] = RefundResource.Type,
        },
    };

    private static readonly Param Line = P.Object(
        ("type", P.Enum("custom_line_item", "invoice_line_item").Required()),
        ("invoice_line_item", P.String),
        ("amount", P.NonNegative),
        ("quantity", P.NonNegative),
        ("description", P.Max(5000)),
        ("unit_amount", P.NonNegative),
        ("unit_amount_decimal", P.Decimal),
        ("metadata", P.Metadata),
        ("tax_amounts", P.Unsupported),
        ("tax_rates", P.Unsupported));

    public static ObjectParam CreateSchema { get; } = RequestSchema.Body(
        ("invoice", P.String.Required()),
        ("amount", P.NonNegative),
        ("lines", P.Array(Line)),
        ("credit_amount", P.NonNegative),
        ("refund_amount", P.NonNegative),
        ("out_of_band_amount", P.NonNegative),
        ("memo", P.Max(5000)),
        ("metadata", P.Metadata),
        ("reason", P.Enum("duplicate", "fraudulent", "order_change", "product_unsatisfactory")),
        ("effective_at", P.Timestamp),
        ("email_type", P.Enum("credit_note", "none")),
        ("refunds", P.Unsupported),
        ("shipping_cost", P.Unsupported));

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/credit_notes",
        Create = (CreateSchema, c => Create(c.Tx, c.Params, c.BaseUrl)),
        Update = (RequestSchema.Body(("memo", P.Max(5000)), ("metadata", P.Metadata.Emptyable())), c => Update(c.Tx, c.Id, c.Params)),
        List = [ListFilter.Created, ListFilter.String("customer"), ListFilter.String("invoice")],
        Actions =
        [
            new("GET", "/{id}/lines", RequestSchema.List(), Writes: false, c =>
            {
                var note = c.Tx.Get(Type, c.Id);
                return ListPage.RenderItems(c.Tx, c.Request, c.Params, [.. ((JsonArray)note["lines"]!["data"]!).Select(l => (JsonObject)l!)], $"/v1/credit_notes/{c.Id}/lines");
            }),
            new("POST", "/{id}/void", RequestSchema.Body(), Writes: true, c => Void(c.Tx, c.Id)),
        ],
    };

    public static JsonObject Create(StoreTransaction tx, Params p, string? baseUrl)
    {
        var invoiceBefore = tx.Get(InvoiceEngine.Type, p.String("invoice")!, "invoice", 400);
        var invoiceId = invoiceBefore["id"]!.GetValue<string>();
        var customer = tx.Get(CustomerResource.Type, invoiceBefore["customer"]!.GetValue<string>());
        tx.UseClockOf(customer);
        var status = invoiceBefore["status"]!.GetValue<string>();
        if (status is not ("open" or "paid"))
        {
            throw StripeErrors.Invalid($"Credit notes can only be issued for open or paid invoices; invoice {invoiceId} is {status}.", "invoice");
        }
        if (!p.Has("amount") && !p.Has("lines"))
        {
            throw StripeErrors.Invalid("You must pass one of `amount`, `lines`, or `shipping_cost`.", "amount");
        }
        var id = IdGenerator.New("cn");
        var currency = invoiceBefore["currency"]!.GetValue<string>();
        var earlier = tx.All(Type).Where(n => n.Data["invoice"]?.GetValue<string>() == invoiceId).ToList();
        var active = earlier.Where(n => n.Data["status"]?.GetValue<string>() == "issued").Select(n => n.Data).ToList();
        var lines = Lines(invoiceBefore, p.Array("lines"), active);
        var total = lines.Count > 0 ? lines.Sum(l => l["amount"]!.GetValue<long>()) : p.Long("amount")!.Value;
        if (p.Long("amount") is { } amount && lines.Count > 0 && amount != total)
        {
            throw StripeErrors.Invalid($"The credit note's `amount` ({amount}) must equal the sum of its lines ({total}).", "amount");
        }
        if (total <= 0)
        {
            throw StripeErrors.Invalid("The credit note's total must be greater than zero.", lines.Count > 0 ? "lines" : "amount");
        }
        var credited = active.Sum(n => n["total"]!.GetValue<long>());
        var creditable = invoiceBefore["total"]!.GetValue<long>() - credited;
        if (total > creditable)
        {
            throw StripeErrors.Invalid(
                $"The credit note's total ({SubscriptionEngine.Money(total, currency)}) is greater than the amount the invoice has left to credit ({SubscriptionEngine.Money(Math.Max(0, creditable), currency)}).",
                lines.Count > 0 ? "lines" : "amount");
        }

        var remaining = invoiceBefore["amount_remaining"]!.GetValue<long>();
        var pre = status == "open" ? Math.Min(total, remaining) : 0;
        var post = total - pre;
        var refundAmount = p.Long("refund_amount") ?? 0;
        var creditAmount = p.Long("credit_amount") ?? 0;
        var outOfBand = p.Long("out_of_band_amount") ?? 0;
        if (refundAmount + creditAmount + outOfBand != post)
        {
            var param = post == 0 ? (p.Has("refund_amount") ? "refund_amount" : p.Has("credit_amount") ? "credit_amount" : "out_of_band_amount") : "refund_amount";
            throw StripeErrors.Invalid(post == 0
                ? "The credit note only lowers what is still due on the invoice; refund_amount, credit_amount and out_of_band_amount must not be given."
                : $"The sum of refund_amount, credit_amount and out_of_band_amount ({refundAmount + creditAmount + outOfBand}) must equal the credit note's post-payment amount ({post}).",
                param);
        }

        var note = new JsonObject
        {
            ["id"] = id,
            ["object"] = Type,
            ["amount"] = total,
            ["amount_shipping"] = 0L,
            ["created"] = tx.NowUnix,
            ["currency"] = currency,
            ["customer"] = customer["id"]!.GetValue<string>(),
            ["customer_account"] = null,
            ["customer_balance_transaction"] = null,
            ["discount_amount"] = 0L,
            ["discount_amounts"] = new JsonArray(),
            ["effective_at"] = p.Long("effective_at") ?? tx.NowUnix,
            ["invoice"] = invoiceId,
            ["lines"] = new JsonObject
            {
                ["object"] = "list", ["data"] = new JsonArray([.. lines]), ["has_more"] = false, ["total_count"] = (long)lines.Count, ["url"] = $"/v1/credit_notes/{id}/lines",
            },
            ["livemode"] = false,
            ["memo"] = p.String("memo"),
            ["metadata"] = JsonObjects.NewMetadata(p["metadata"]),
            ["number"] = $"{invoiceBefore["number"]}-CN-{(earlier.Count + 1).ToString("D2", CultureInfo.InvariantCulture)}",
            ["out_of_band_amount"] = p.Has("out_of_band_amount") ? outOfBand : null,
            ["pdf"] = $"{baseUrl ?? "http://localhost"}/credit_note/{id}/pdf",
            ["post_payment_amount"] = post,
            ["pre_payment_amount"] = pre,
            ["pretax_credit_amounts"] = new JsonArray(),
            ["reason"] = p.String("reason"),
            ["refunds"] = new JsonArray(),
            ["shipping_cost"] = null,
            ["status"] = "issued",
            ["subtotal"] = total,
            ["subtotal_excluding_tax"] = total,
            ["total"] = total,
            ["total_excluding_tax"] = total,
            ["total_taxes"] = new JsonArray(),
            ["type"] = pre == 0 ? "post_payment" : post == 0 ? "pre_payment" : "mixed",
            ["voided_at"] = null,
        };

        JsonObject? refund = null;
        if (refundAmount > 0)
        {
            var charge = RefundResource.ChargeOfInvoice(tx, invoiceBefore)
                ?? throw StripeErrors.Invalid($"Invoice {invoiceId} was not paid with a charge that can be refunded; use credit_amount or out_of_band_amount.", "refund_amount");
            refund = RefundResource.Refund(tx, charge, refundAmount, null, null, "refund_amount");
            ((JsonArray)note["refunds"]!).Add(new JsonObject
            {
                ["amount_refunded"] = refundAmount, ["payment_record_refund"] = null, ["refund"] = refund["id"]!.GetValue<string>(), ["type"] = "refund",
            });
        }
        if (creditAmount > 0)
        {
            note["customer_balance_transaction"] = CustomerBalance.Record(tx, customer["id"]!.GetValue<string>(), -creditAmount, "credit_note", currency,
                invoiceId, null, new JsonObject(), creditNoteId: id)["id"]!.GetValue<string>();
        }
        tx.InsertAndEmit(note);

        var invoice = (JsonObject)invoiceBefore.DeepClone();
        invoice["pre_payment_credit_notes_amount"] = invoice["pre_payment_credit_notes_amount"]!.GetValue<long>() + pre;
        invoice["post_payment_credit_notes_amount"] = invoice["post_payment_credit_notes_amount"]!.GetValue<long>() + post;
        if (pre > 0)
        {
            invoice["amount_due"] = invoice["amount_due"]!.GetValue<long>() - pre;
            invoice["amount_remaining"] = remaining - pre;
        }
        tx.UpdateAndEmit("invoice.updated", invoiceBefore, invoice);
        if (pre > 0 && remaining - pre == 0)
        {
            // A credit note that leaves nothing to pay settles the invoice (Stripe marks it paid).
            var paid = (JsonObject)invoice.DeepClone();
            paid["status"] = "paid";
            paid["next_payment_attempt"] = null;
            paid["status_transitions"]!["paid_at"] = tx.NowUnix;
            tx.Update(paid);
            tx.Emit("invoice.paid", paid, JsonObjects.PreviousAttributes(invoice, paid));
            SubscriptionEngine.OnInvoicePaid(tx, paid);
        }
        return note;
    }

    /// <summary>The note's lines: each invoice line credited by amount or quantity, or a custom line; bounded by what the invoice line has left.</summary>
    private static List<JsonObject> Lines(JsonObject invoice, JsonArray? given, List<JsonObject> active)
    {
        var result = new List<JsonObject>();
        var invoiceLines = ((JsonArray)invoice["lines"]!["data"]!).Select(l => (JsonObject)l!).ToList();
        for (var i = 0; given is not null && i < given.Count; i++)
        {
            var line = new Params((JsonObject)given[i]!);
            var path = $"lines[{i}]";
            long amount;
            long? quantity = line.Long("quantity");
            long? unitAmount = null;
            string? description = line.String("description");
            string? invoiceLineId = null;
            if (line.String("type") == "invoice_line_item")
            {
                invoiceLineId = line.String("invoice_line_item") ?? throw StripeErrors.ParameterMissing($"{path}[invoice_line_item]");
                var invoiceLine = invoiceLines.FirstOrDefault(l => l["id"]!.GetValue<string>() == invoiceLineId)
                    ?? throw StripeErrors.Invalid($"Invoice line item {invoiceLineId} is not a line of invoice {invoice["id"]}.", $"{path}[invoice_line_item]");
                var lineAmount = invoiceLine["amount"]!.GetValue<long>();
                var lineQuantity = invoiceLine["quantity"]?.GetValue<long>() ?? 1;
                if (line.Has("amount") && quantity is not null)
                {
                    throw StripeErrors.ParametersExclusive($"{path}[amount]", $"{path}[quantity]");
                }
                amount = line.Long("amount") ?? (quantity is { } q
                    ? (lineQuantity == 0 ? 0 : (long)Math.Round((decimal)lineAmount * q / lineQuantity, MidpointRounding.AwayFromZero))
                    : lineAmount);
                var already = active.SelectMany(n => ((JsonArray)n["lines"]!["data"]!).Select(l => (JsonObject)l!))
                    .Where(l => l["invoice_line_item"]?.GetValue<string>() == invoiceLineId).Sum(l => l["amount"]!.GetValue<long>())
                    + result.Where(l => l["invoice_line_item"]?.GetValue<string>() == invoiceLineId).Sum(l => l["amount"]!.GetValue<long>());
                if (amount > lineAmount - already)
                {
                    throw StripeErrors.Invalid(
                        $"The credit for line {invoiceLineId} ({amount}) is greater than what the line has left to credit ({Math.Max(0, lineAmount - already)}).",
                        line.Has("quantity") ? $"{path}[quantity]" : $"{path}[amount]");
                }
                description ??= invoiceLine["description"]?.GetValue<string>();
                quantity ??= lineQuantity;
            }
            else
            {
                unitAmount = line.Long("unit_amount") ?? (line.Decimal("unit_amount_decimal") is { } d ? (long)Math.Round(d, MidpointRounding.AwayFromZero)
                    : throw StripeErrors.ParameterMissing($"{path}[unit_amount]"));
                if (description is null)
                {
                    throw StripeErrors.ParameterMissing($"{path}[description]");
                }
                quantity ??= 1;
                amount = unitAmount.Value * quantity.Value;
            }
            result.Add(new JsonObject
            {
                ["id"] = IdGenerator.New("cnli"),
                ["object"] = "credit_note_line_item",
                ["amount"] = amount,
                ["description"] = description,
                ["discount_amount"] = 0L,
                ["discount_amounts"] = new JsonArray(),
                ["invoice_line_item"] = invoiceLineId,
                ["livemode"] = false,
                ["metadata"] = JsonObjects.NewMetadata(line["metadata"]),
                ["pretax_credit_amounts"] = new JsonArray(),
                ["quantity"] = quantity,
                ["tax_rates"] = new JsonArray(),
                ["taxes"] = new JsonArray(),
                ["type"] = line.String("type"),
                ["unit_amount"] = unitAmount,
                ["unit_amount_decimal"] = unitAmount?.ToString(CultureInfo.InvariantCulture),
            });
        }
        return result;
    }

    private static JsonObject Update(StoreTransaction tx, string id, Params p)
    {
        var before = tx.Get(Type, id);
        var after = (JsonObject)before.DeepClone();
        if (p.Has("memo"))
        {
            after["memo"] = p.String("memo");
        }
        if (p.Has("metadata"))
        {
            after["metadata"] = JsonObjects.MergeMetadata(after["metadata"] as JsonObject, p["metadata"] as JsonObject);
        }
        tx.UpdateAndEmit(before, after);
        return after;
    }

    /// <summary>Voiding a note that only lowered an open invoice's amount due gives the amount back; refunds cannot be undone.</summary>
    private static JsonObject Void(StoreTransaction tx, string id)
    {
        var before = tx.Get(Type, id);
        tx.UseClockOf(tx.Find(CustomerResource.Type, before["customer"]!.GetValue<string>()));
        if (before["status"]!.GetValue<string>() == "void")
        {
            throw StripeErrors.Invalid($"Credit note {id} is already void.");
        }
        if (before["post_payment_amount"]!.GetValue<long>() > 0)
        {
            throw StripeErrors.Invalid("Only a credit note issued for an open invoice (pre_payment) can be voided.");
        }
        var invoiceBefore = tx.Get(InvoiceEngine.Type, before["invoice"]!.GetValue<string>());
        if (invoiceBefore["status"]!.GetValue<string>() != "open")
        {
            throw StripeErrors.Invalid("A credit note can be voided only while its invoice is open.");
        }
        var after = (JsonObject)before.DeepClone();
        after["status"] = "void";
        after["voided_at"] = tx.NowUnix;
        tx.Update(after);
        tx.Emit("credit_note.voided", after, JsonObjects.PreviousAttributes(before, after));
        var pre = before["pre_payment_amount"]!.GetValue<long>();
        var invoice = (JsonObject)invoiceBefore.DeepClone();
        invoice["pre_payment_credit_notes_amount"] = invoice["pre_payment_credit_notes_amount"]!.GetValue<long>() - pre;
        invoice["amount_due"] = invoice["amount_due"]!.GetValue<long>() + pre;
        invoice["amount_remaining"] = invoice["amount_remaining"]!.GetValue<long>() + pre;
        tx.UpdateAndEmit("invoice.updated", invoiceBefore, invoice);
        return after;
    }
}
