using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Yapit.StripeEmulator.Checkout;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>
/// The page a portal session's URL opens, standing in for billing.stripe.com: the customer's subscriptions, card and
/// invoices, and the flows the configuration enables (switch plan with a confirmation of what it costs, cancel with
/// a reason, replace the card). Plain HTML forms, so tests drive them over HTTP. A session with <c>flow_data</c>
/// opens at its flow's step and ends where <c>after_completion</c> says.
/// </summary>
public static class PortalPages
{
    private const string Html = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapPortalPages(this IEndpointRouteBuilder app)
    {
        var session = app.MapGroup("/p/session/{id}");
        session.MapGet("", ShowHome);
        session.MapGet("/done", ShowDone);
        session.MapGet("/subscriptions/{subscription}/update", ShowPlans);
        session.MapGet("/subscriptions/{subscription}/update/confirm", ShowConfirm);
        session.MapPost("/subscriptions/{subscription}/update", SwitchPlan);
        session.MapGet("/subscriptions/{subscription}/cancel", ShowCancel);
        session.MapPost("/subscriptions/{subscription}/cancel", Cancel);
        session.MapGet("/payment_method", ShowPaymentMethod);
        session.MapPost("/payment_method", UpdatePaymentMethod);
        return app;
    }

    private static RequestInfo PageRequest(HttpContext http) => new(null, null) { BaseUrl = $"{http.Request.Scheme}://{http.Request.Host}" };

    /// <summary>Runs a page's read; a missing session is a 404 page, a refusal a page with its status.</summary>
    private static IResult Show(StripeStore store, string id, Func<StoreTransaction, PortalActions.Context, IResult> render)
    {
        try
        {
            return store.Read(tx => PortalActions.Load(tx, id) is { } context ? render(tx, context) : HostedPages.NotFound("This portal session does not exist."));
        }
        catch (PortalRefusal refusal)
        {
            return Refused(id, refusal.Status, refusal.Message);
        }
        catch (StripeErrorException error)
        {
            return Refused(id, error.Status, error.Message);
        }
    }

    /// <summary>Runs an action in one write and redirects to the next page; a refusal or a Stripe error writes nothing (the write is not committed).</summary>
    private static IResult Act(HttpContext http, StripeStore store, string id, Func<StoreTransaction, PortalActions.Context, string> act)
    {
        try
        {
            var next = store.Write(PageRequest(http), tx => PortalActions.Load(tx, id) is { } context ? act(tx, context) : null);
            return next is null ? HostedPages.NotFound("This portal session does not exist.") : TypedResults.Redirect(next);
        }
        catch (PortalRefusal refusal)
        {
            return Refused(id, refusal.Status, refusal.Message);
        }
        catch (StripeErrorException error)
        {
            return Refused(id, error.Status, error.Message);
        }
    }

    private static IResult Refused(string id, int status, string message) =>
        TypedResults.Content(PortalHtml.Refusal(id, message), Html, statusCode: status);

    private static IResult Page(string html) => TypedResults.Content(html, Html);

    public static IResult ShowHome(string id, StripeStore store) => Show(store, id, (tx, context) =>
    {
        if (context.FlowPending && FlowStart(tx, context) is { } start)
        {
            return TypedResults.Redirect(start);
        }
        return Page(PortalHtml.Home(tx, context));
    });

    /// <summary>The step a <c>flow_data</c> deep link opens at.</summary>
    private static string? FlowStart(StoreTransaction tx, PortalActions.Context context)
    {
        var home = $"/p/session/{context.Id}";
        string Subscription(string kind) => context.Flow![kind]!["subscription"]!.GetValue<string>();
        return context.FlowType switch
        {
            "subscription_update" => $"{home}/subscriptions/{Subscription("subscription_update")}/update",
            "subscription_update_confirm" => $"{home}/subscriptions/{PortalActions.ConfirmFlow(tx, context).Subscription}/update/confirm",
            "subscription_cancel" => $"{home}/subscriptions/{Subscription("subscription_cancel")}/cancel",
            "payment_method_update" => $"{home}/payment_method",
            var other => throw new PortalRefusal(StatusCodes.Status501NotImplemented, $"The Stripe emulator's portal does not do the {other} flow."),
        };
    }

    public static IResult ShowDone(string id, StripeStore store) => Show(store, id, (_, context) => Page(PortalHtml.Done(context)));

    public static IResult ShowPlans(string id, string subscription, StripeStore store) => Show(store, id, (tx, context) =>
    {
        PortalActions.Require(context, "subscription_update");
        return Page(PortalHtml.Plans(tx, context, PortalActions.Subscription(tx, context, subscription)));
    });

    public static IResult ShowConfirm(string id, string subscription, StripeStore store, [FromQuery] string? price = null, [FromQuery] long? quantity = null) =>
        Show(store, id, (tx, context) =>
        {
            var change = Change(tx, context, subscription, price, quantity);
            var preview = PortalActions.Preview(tx, context, change);
            return Page(PortalHtml.Confirm(tx, context, change, preview));
        });

    /// <summary>The change a confirm page or its form names: the <c>subscription_update_confirm</c> flow's items while that flow is pending, else the chosen price.</summary>
    private static PortalActions.PlanChange Change(StoreTransaction tx, PortalActions.Context context, string subscription, string? price, long? quantity)
    {
        if (context.FlowPending && context.FlowType == "subscription_update_confirm")
        {
            var flow = PortalActions.ConfirmFlow(tx, context);
            if (flow.Subscription == subscription)
            {
                return PortalActions.CheckPlanChange(tx, context, subscription, flow.Price, flow.Quantity, flow.Discounts);
            }
        }
        if (string.IsNullOrEmpty(price))
        {
            throw new PortalRefusal(StatusCodes.Status400BadRequest, "price: choose the plan to switch to.");
        }
        return PortalActions.CheckPlanChange(tx, context, subscription, price, quantity);
    }

    public static async Task<IResult> SwitchPlan(string id, string subscription, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        long? quantity = null;
        if (form["quantity"].ToString() is { Length: > 0 } text)
        {
            if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return Refused(id, StatusCodes.Status400BadRequest, $"quantity: '{text}' is not a whole number.");
            }
            quantity = parsed;
        }
        return Act(http, store, id, (tx, context) =>
        {
            PortalActions.ApplyPlanChange(tx, context, Change(tx, context, subscription, form["price"].ToString(), quantity));
            return PortalActions.AfterAction(tx, context);
        });
    }

    public static IResult ShowCancel(string id, string subscription, StripeStore store) => Show(store, id, (tx, context) =>
    {
        PortalActions.Require(context, "subscription_cancel");
        return Page(PortalHtml.Cancel(tx, context, PortalActions.Subscription(tx, context, subscription)));
    });

    public static async Task<IResult> Cancel(string id, string subscription, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        return Act(http, store, id, (tx, context) =>
        {
            PortalActions.Cancel(tx, context, subscription, form["feedback"].ToString(), form["comment"].ToString());
            return PortalActions.AfterAction(tx, context);
        });
    }

    public static IResult ShowPaymentMethod(string id, StripeStore store) => Show(store, id, (_, context) =>
    {
        PortalActions.Require(context, "payment_method_update");
        return Page(PortalHtml.PaymentMethod(context));
    });

    public static async Task<IResult> UpdatePaymentMethod(string id, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var card = form["card"].ToString();
        if (card.Length == 0)
        {
            return Refused(id, StatusCodes.Status400BadRequest, "card: choose a test card.");
        }
        return Act(http, store, id, (tx, context) =>
        {
            PortalActions.UpdatePaymentMethod(tx, context, card);
            return PortalActions.AfterAction(tx, context);
        });
    }
}
