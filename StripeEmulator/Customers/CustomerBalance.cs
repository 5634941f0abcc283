using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Customers;

/// <summary>
/// The customer's invoice credit balance (<c>customer.balance</c>; negative = credit, positive = owed) and its ledger of
/// <c>customer_balance_transaction</c>s (<https://docs.stripe.com/billing/customer/balance>). The one place that moves
/// the balance: invoices apply it when finalized (a negative total becomes credit), voiding gives it back, and manual
/// adjustments go through <see cref="Record"/>; refunds and credit notes call <see cref="Record"/> too.
/// </summary>
/// <summary>A customer before and after a finalization moved its balance, to announce once the invoice's events are out.</summary>
internal sealed record BalanceChange(JsonObject Before, JsonObject After);

internal static class CustomerBalance
{
    public const string TransactionType = "customer_balance_transaction";

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = TransactionType,
        Noun = "customer_balance_transaction",
        Expandable = new Dictionary<string, string> { ["customer"] = CustomerResource.Type, ["invoice"] = Invoices.InvoiceEngine.Type },
    };

    private static readonly ObjectParam CreateSchema = RequestSchema.Body(
        ("amount", P.Integer.Required()),
        ("currency", P.Currency.Required()),
        ("description", P.Max(350)),
        ("metadata", P.Metadata.Emptyable()));

    private static readonly ObjectParam UpdateSchema = RequestSchema.Body(
        ("description", P.Max(350).Emptyable()),
        ("metadata", P.Metadata.Emptyable()));

    /// <summary>The routes under <c>/v1/customers/{id}/balance_transactions</c>, as actions of the customer resource.</summary>
    public static IReadOnlyList<ResourceAction> Actions { get; } =
    [
        new("GET", "/{id}/balance_transactions", RequestSchema.List((ListFilter.Created.Name, ListFilter.Created.Param)), Writes: false, c =>
        {
            c.Tx.Get(CustomerResource.Type, c.Id);
            return ListPage.Render(c.Tx, c.Request, c.Params, TransactionType, $"/v1/customers/{c.Id}/balance_transactions",
                t => t.Data["customer"]?.GetValue<string>() == c.Id && (!c.Params.Has("created") || ListFilter.Created.Matches(t, c.Params["created"]!, c.Tx)));
        }),
        new("POST", "/{id}/balance_transactions", CreateSchema, Writes: true, c =>
        {
            var customer = c.Tx.Get(CustomerResource.Type, c.Id);
            c.Tx.UseClockOf(customer);
            var currency = c.Params.String("currency")!;
            if (customer["currency"]?.GetValue<string>() is { } own && own != currency)
            {
                throw StripeErrors.Invalid($"The currency of this transaction ({currency}) must match the customer's currency ({own}).", "currency");
            }
            if (c.Params.Long("amount") == 0)
            {
                throw StripeErrors.Invalid("The amount of a balance transaction must not be zero.", "amount");
            }
            return Record(c.Tx, c.Id, c.Params.Long("amount")!.Value, "adjustment", currency, invoiceId: null,
                c.Params.String("description"), JsonObjects.NewMetadata(c.Params["metadata"]));
        }),
        new("GET", "/{id}/balance_transactions/{item}", RequestSchema.Retrieve, Writes: false, c => Own(c)),
        new("POST", "/{id}/balance_transactions/{item}", UpdateSchema, Writes: true, c =>
        {
            var before = Own(c);
            var after = (JsonObject)before.DeepClone();
            if (c.Params.Has("description"))
            {
                after["description"] = c.Params.String("description");
            }
            if (c.Params.Has("metadata"))
            {
                after["metadata"] = JsonObjects.MergeMetadata(after["metadata"] as JsonObject, c.Params["metadata"] as JsonObject ?? []);
            }
            c.Tx.Update(after);
            return after;
        }),
    ];

    public static long Of(JsonObject customer) => customer["balance"]?.GetValue<long>() ?? 0;

    /// <summary>
    /// A draft or a preview: <c>starting_balance</c> is the customer's balance now, the amount due counts it (never
    /// below zero), <c>ending_balance</c> stays null until finalization (Stripe's invoice object reference).
    /// </summary>
    public static void ShowOnDraft(StoreTransaction tx, JsonObject invoice)
    {
        var balance = tx.Find(CustomerResource.Type, invoice["customer"]!.GetValue<string>()) is { } customer ? Of(customer) : 0;
        var due = Math.Max(0, invoice["total"]!.GetValue<long>() + balance);
        invoice["starting_balance"] = balance;
        invoice["ending_balance"] = null;
        invoice["amount_due"] = due;
        invoice["amount_remaining"] = due;
    }

    /// <summary>
    /// Finalization: the balance meets the total. Credit pays what it covers; a negative total (a downgrade credited
    /// now) becomes credit; a debit is added to what is due. One <c>applied_to_invoice</c> transaction records the
    /// change; the returned change is told (<c>customer.updated</c>) by <see cref="Announce"/> after <c>invoice.finalized</c>.
    /// </summary>
    public static BalanceChange? ApplyOnFinalize(StoreTransaction tx, JsonObject invoice)
    {
        var customerId = invoice["customer"]!.GetValue<string>();
        var starting = Of(tx.Get(CustomerResource.Type, customerId));
        var net = invoice["total"]!.GetValue<long>() + starting;
        var ending = Math.Min(0, net);
        invoice["starting_balance"] = starting;
        invoice["ending_balance"] = ending;
        invoice["amount_due"] = Math.Max(0, net);
        invoice["amount_remaining"] = Math.Max(0, net);
        if (ending == starting)
        {
            return null;
        }
        var before = tx.Get(CustomerResource.Type, customerId);
        Record(tx, customerId, ending - starting, "applied_to_invoice", invoice["currency"]!.GetValue<string>(), invoice["id"]!.GetValue<string>(), null, new JsonObject(), emit: false);
        return new BalanceChange(before, tx.Get(CustomerResource.Type, customerId));
    }

    /// <summary><c>customer.updated</c> for a balance an invoice's finalization moved (after its <c>invoice.finalized</c>).</summary>
    public static void Announce(StoreTransaction tx, BalanceChange? change)
    {
        if (change is not null)
        {
            tx.Emit("customer.updated", tx.Get(CustomerResource.Type, change.After["id"]!.GetValue<string>()), new JsonObject { ["balance"] = change.Before["balance"]?.DeepClone() });
        }
    }

    /// <summary>
    /// Voiding an invoice gives back what it took from or added to the balance (<c>unapplied_from_invoice</c>), as
    /// Stripe does since 2019-12-03 (<https://docs.stripe.com/changelog/2019-12-03/customer-balances-returned-voided-invoices>).
    /// </summary>
    public static void ReturnOnVoid(StoreTransaction tx, JsonObject invoice)
    {
        if (invoice["starting_balance"]?.GetValue<long>() is not { } starting || invoice["ending_balance"]?.GetValue<long>() is not { } ending || starting == ending)
        {
            return;
        }
        Record(tx, invoice["customer"]!.GetValue<string>(), starting - ending, "unapplied_from_invoice", invoice["currency"]!.GetValue<string>(),
            invoice["id"]!.GetValue<string>(), null, new JsonObject());
    }

    /// <summary>
    /// Moves the balance by <paramref name="amount"/> (negative = credit) and records it: the transaction is stored,
    /// the customer's <c>balance</c> (and its <c>currency</c> when it had none) updated, <c>customer.updated</c> emitted.
    /// </summary>
    public static JsonObject Record(StoreTransaction tx, string customerId, long amount, string type, string currency, string? invoiceId,
        string? description, JsonObject metadata, string? creditNoteId = null, bool emit = true)
    {
        var before = tx.Get(CustomerResource.Type, customerId);
        var after = (JsonObject)before.DeepClone();
        after["balance"] = Of(before) + amount;
        after["currency"] ??= currency;
        var transaction = NewTransaction(tx, customerId, amount, Of(after), type, currency, invoiceId, description, metadata, creditNoteId);
        tx.Insert(transaction);
        if (emit)
        {
            tx.Emit("customer.updated", after, new JsonObject { ["balance"] = before["balance"]?.DeepClone() });
        }
        tx.Update(after);
        return transaction;
    }

    /// <summary>The ledger entry alone, for a caller that writes the customer itself (an update setting <c>balance</c>).</summary>
    public static JsonObject NewTransaction(StoreTransaction tx, string customerId, long amount, long endingBalance, string type, string currency,
        string? invoiceId, string? description, JsonObject metadata, string? creditNoteId = null) => new()
    {
        ["id"] = IdGenerator.New("cbtxn"),
        ["object"] = TransactionType,
        ["amount"] = amount,
        ["checkout_session"] = null,
        ["created"] = tx.NowUnix,
        ["credit_note"] = creditNoteId,
        ["currency"] = currency,
        ["customer"] = customerId,
        ["customer_account"] = null,
        ["description"] = description,
        ["ending_balance"] = endingBalance,
        ["invoice"] = invoiceId,
        ["livemode"] = false,
        ["metadata"] = metadata,
        ["type"] = type,
    };

    private static JsonObject Own(Call c)
    {
        c.Tx.Get(CustomerResource.Type, c.Id);
        var transaction = c.Tx.Find(TransactionType, c.Item!);
        if (transaction is null || transaction["customer"]?.GetValue<string>() != c.Id)
        {
            throw StripeErrors.ResourceMissing("customer_balance_transaction", c.Item!);
        }
        return transaction;
    }
}
