using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.TestClocks;

namespace Yapit.StripeEmulator.Operator;

/// <summary>
/// Operators' levers for staging billing scenarios in one call: make a customer's cards fail (or work again) from
/// now on, set the dunning schedule, and read what a test clock's advances did.
/// </summary>
public static class BillingOperatorApi
{
    /// <summary>What a customer's cards do from now on → the test card whose behaviour they take.</summary>
    private static readonly Dictionary<string, string> CardOutcomes = new(StringComparer.Ordinal)
    {
        ["succeed"] = "pm_card_visa",
        ["decline"] = "pm_card_chargeCustomerFail",
        ["insufficient_funds"] = "pm_card_chargeDeclinedInsufficientFunds",
        ["authentication_required"] = "pm_card_authenticationRequired",
    };

    public static IEndpointRouteBuilder MapBillingOperatorApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/_emulator");
        api.MapPost("/customers/{id}/cards", SetCardOutcome);
        api.MapGet("/dunning", GetDunning);
        api.MapPost("/dunning", SetDunning);
        api.MapGet("/test_clocks/{id}/advances", GetAdvances);
        return app;
    }

    /// <summary><c>outcome=decline|insufficient_funds|authentication_required|succeed</c>: every card the customer has behaves so from now on.</summary>
    public static IResult SetCardOutcome(string id, StripeStore store, [FromQuery] string? outcome)
    {
        if (outcome is null || !CardOutcomes.TryGetValue(outcome, out var token))
        {
            return TypedResults.Problem($"Query parameter 'outcome' must be one of: {string.Join(", ", CardOutcomes.Keys)}.", statusCode: 400);
        }
        return store.Write(RequestInfo.None, tx =>
        {
            if (tx.Find(CustomerResource.Type, id) is null)
            {
                return (IResult)TypedResults.Problem($"No such customer: '{id}'.", statusCode: 404);
            }
            var changed = new List<string>();
            foreach (var stored in tx.All(PaymentMethodResource.Type).Where(pm => pm.Data["customer"]?.GetValue<string>() == id).ToList())
            {
                var pm = (JsonObject)stored.Data.DeepClone();
                pm[PaymentMethodResource.TokenField] = token;
                tx.Update(pm);
                changed.Add(stored.Id);
            }
            return TypedResults.Json(new { customer = id, outcome, payment_methods = changed }, StoreSnapshot.JsonOptions);
        });
    }

    public static IResult GetDunning(StripeStore store) =>
        store.Read(tx => TypedResults.Json(new { retry_days = Dunning.RetryDays(tx), after = Dunning.After(tx) }, StoreSnapshot.JsonOptions));

    /// <summary><c>retry_days=3,5,7</c> (days after the first failure, increasing; empty for none) and <c>after=past_due|unpaid|cancel</c>; kept until a reset.</summary>
    public static IResult SetDunning(StripeStore store, HttpRequest request, [FromQuery] string? after)
    {
        // Read from the query itself: an empty retry_days (no retries) must not bind as "not given".
        var retryDays = request.Query.TryGetValue("retry_days", out var given) ? given.ToString() : null;
        if (retryDays is not null && Dunning.Parse(retryDays) is null)
        {
            return TypedResults.Problem("Query parameter 'retry_days' must be increasing whole days between 1 and 60, comma-separated (e.g. 3,5,7), or empty for no retries.", statusCode: 400);
        }
        if (after is not null && !Dunning.AfterChoices.Contains(after))
        {
            return TypedResults.Problem($"Query parameter 'after' must be one of: {string.Join(", ", Dunning.AfterChoices)}.", statusCode: 400);
        }
        if (retryDays is not null)
        {
            store.SetSetting(Dunning.RetryDaysSetting, retryDays);
        }
        if (after is not null)
        {
            store.SetSetting(Dunning.AfterSetting, after);
        }
        return GetDunning(store);
    }

    /// <summary>Each advance of the clock (last 20): from, to, and its steps (time, action, object, events in order).</summary>
    public static IResult GetAdvances(string id, StripeStore store) =>
        store.Read(tx => TestClockResource.Advances(tx, id) is { } advances
            ? (IResult)TypedResults.Json(new JsonObject { ["test_clock"] = id, ["advances"] = advances }, StoreSnapshot.JsonOptions)
            : TypedResults.Problem($"No such test_clock: '{id}'.", statusCode: 404));
}
