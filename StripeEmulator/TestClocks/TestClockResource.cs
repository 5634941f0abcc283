using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.TestClocks;

/// <summary>
/// <c>/v1/test_helpers/test_clocks</c>: simulated time for the customers created on a clock. Advancing runs every
/// piece of due work (<see cref="SubscriptionLifecycle"/>) at its own moment, in order, within the request; the
/// response shows the clock <c>advancing</c>, as Stripe's does, and the next read finds it <c>ready</c>.
/// </summary>
internal static class TestClockResource
{
    public const string Type = StoreTransaction.TestClockType;

    /// <summary>Hidden: what each advance did, for <c>GET /_emulator/test_clocks/{id}/advances</c>.</summary>
    public const string AdvancesField = "emulator_advances";

    private const int KeptAdvances = 20;

    public static ResourceDefinition Definition { get; } = new()
    {
        Type = Type,
        Noun = "test_clock",
        Hidden = [AdvancesField],
    };

    public static ResourceApi Api { get; } = new()
    {
        Definition = Definition,
        Path = "/v1/test_helpers/test_clocks",
        Create = (RequestSchema.Body(("frozen_time", P.Timestamp.Required()), ("name", P.Max(300))), Create),
        Delete = Delete,
        List = [],
        Actions = [new("POST", "/{id}/advance", RequestSchema.Body(("frozen_time", P.Timestamp.Required())), Writes: true, Advance)],
    };

    private static JsonObject Create(Call c)
    {
        var frozen = c.Params.Long("frozen_time")!.Value;
        c.Tx.SetTime(DateTimeOffset.FromUnixTimeSeconds(frozen));
        var clock = new JsonObject
        {
            ["id"] = IdGenerator.New("clock"),
            ["object"] = Type,
            ["created"] = frozen,
            ["deletes_after"] = frozen + 30 * 86400L,
            ["frozen_time"] = frozen,
            ["livemode"] = false,
            ["name"] = c.Params.String("name"),
            ["status"] = "ready",
            ["status_details"] = new JsonObject(),
            [AdvancesField] = new JsonArray(),
        };
        return c.Tx.InsertAndEmit(clock);
    }

    private static JsonObject Advance(Call c)
    {
        var before = c.Tx.Get(Type, c.Id);
        var from = before["frozen_time"]!.GetValue<long>();
        var to = c.Params.Long("frozen_time")!.Value;
        if (before["status"]!.GetValue<string>() != "ready")
        {
            throw StripeErrors.Invalid($"The test clock {c.Id} is {before["status"]}; it can be advanced only when it is ready.");
        }
        if (to <= from)
        {
            throw StripeErrors.Invalid($"The frozen time must be after the test clock's current frozen time ({from}).", "frozen_time");
        }
        c.Tx.SetTime(DateTimeOffset.FromUnixTimeSeconds(from));
        var advancing = (JsonObject)before.DeepClone();
        advancing["status"] = "advancing";
        advancing["status_details"] = new JsonObject { ["advancing"] = new JsonObject { ["target_frozen_time"] = to } };
        c.Tx.Update(advancing);
        c.Tx.Emit("test_helpers.test_clock.advancing", advancing, JsonObjects.PreviousAttributes(before, advancing));

        var steps = SubscriptionLifecycle.RunUntil(c.Tx, c.Id, to);

        c.Tx.SetTime(DateTimeOffset.FromUnixTimeSeconds(to));
        var ready = (JsonObject)advancing.DeepClone();
        ready["status"] = "ready";
        ready["status_details"] = new JsonObject();
        ready["frozen_time"] = to;
        var log = (JsonArray)ready[AdvancesField]!;
        log.Add(new JsonObject { ["from"] = from, ["to"] = to, ["steps"] = steps });
        while (log.Count > KeptAdvances)
        {
            log.RemoveAt(0);
        }
        c.Tx.Update(ready);
        c.Tx.Emit("test_helpers.test_clock.ready", ready, JsonObjects.PreviousAttributes(advancing, ready));
        return advancing;
    }

    /// <summary>Deleting a clock deletes its customers and everything of theirs, as Stripe does.</summary>
    private static JsonObject Delete(Call c)
    {
        var clock = c.Tx.Get(Type, c.Id);
        c.Tx.SetTime(DateTimeOffset.FromUnixTimeSeconds(clock["frozen_time"]!.GetValue<long>()));
        var customers = c.Tx.All(CustomerResource.Type).Where(o => o.Data["test_clock"]?.GetValue<string>() == c.Id).Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var customerId in customers)
        {
            CustomerResource.Delete(c.Tx, customerId);
        }
        string[] owned = [SubscriptionResource.Type, InvoiceEngine.Type, SubscriptionEngine.InvoiceItemType, PaymentIntents.Type, PaymentMethodResource.Type, Discounts.Type, CustomerBalance.TransactionType];
        foreach (var type in owned)
        {
            foreach (var stored in c.Tx.All(type).Where(o => o.Data["customer"]?.GetValue<string>() is { } owner && customers.Contains(owner)).ToList())
            {
                if (type == InvoiceEngine.Type)
                {
                    foreach (var payment in c.Tx.All(InvoiceEngine.InvoicePaymentType).Where(p => p.Data["invoice"]?.GetValue<string>() == stored.Id).ToList())
                    {
                        c.Tx.Delete(payment.Type, payment.Id);
                    }
                }
                c.Tx.Delete(stored.Type, stored.Id);
            }
        }
        return c.Tx.DeleteAndEmit(clock);
    }

    /// <summary>What the clock's last advances did (oldest first), or null when there is no such clock.</summary>
    public static JsonArray? Advances(StoreTransaction tx, string id) =>
        (JsonArray?)tx.Find(Type, id)?[AdvancesField]?.DeepClone();
}
