using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stripe;
using Yapit.Billing.Checkout;
using CheckoutService = Yapit.Billing.Checkout.CheckoutService;
using Yapit.Billing.Plans;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Cors;

namespace Yapit.Gateway.Billing;

/// <summary><c>POST /v1/billing/checkout</c>: a Stripe Checkout Session for a plan, for the signed-in user.</summary>
public static class CheckoutApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapCheckoutApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/billing").WithTags("Billing").RequireAuthorization(AuthenticationSetup.UserPolicy).RequireFrontendCors()
            .MapPost("/checkout", StartCheckoutAsync).WithName("StartCheckout")
            .WithSummary("A Stripe Checkout URL for a plan (tier and interval), with the tier's trial if the user never held it or a higher tier.")
            .WithDescription("Send an Idempotency-Key header to make retries safe (one is generated otherwise). 409 when the user already has a subscription that is not canceled: change it instead.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return app;
    }

    public sealed record CheckoutBody([property: Required] string? Tier, [property: Required] string? Interval);

    public sealed record CheckoutResponse(string CheckoutUrl, string SessionId);

    public static async Task<Results<Ok<CheckoutResponse>, ValidationProblem, ProblemHttpResult>> StartCheckoutAsync(
        CheckoutBody? body, ClaimsPrincipal user, CheckoutService checkout, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body?.Tier))
        {
            errors["tier"] = ["tier is required (basic, plus or max)."];
        }
        else if (body.Tier.Length > 64)
        {
            errors["tier"] = ["tier is longer than 64 characters."];
        }
        if (string.IsNullOrWhiteSpace(body?.Interval))
        {
            errors["interval"] = ["interval is required (monthly or yearly)."];
        }
        else if (body.Interval is not (BillingIntervals.Monthly or BillingIntervals.Yearly))
        {
            errors["interval"] = ["interval must be monthly or yearly."];
        }
        if (!TryIdempotencyKey(http, errors, out var key) || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The checkout request is not valid.");
        }
        try
        {
            return await checkout.StartSubscriptionAsync(user.UserId()!, body!.Tier!, body.Interval!, key, cancellationToken) switch
            {
                CheckoutCreated created => TypedResults.Ok(new CheckoutResponse(created.CheckoutUrl, created.SessionId)),
                CheckoutNotForSale notForSale => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [notForSale.Field] = [notForSale.Message] },
                    title: "Not for sale."),
                CheckoutAlreadySubscribed subscribed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                    title: "You already have a subscription.",
                    detail: $"Subscription {subscribed.SubscriptionId} ({subscribed.Tier}, {subscribed.Status}) is not canceled: change it (POST /v1/billing/subscription/change) or manage it in the portal instead of starting a new checkout.",
                    extensions: new Dictionary<string, object?> { ["subscription_id"] = subscribed.SubscriptionId, ["status"] = subscribed.Status, ["tier"] = subscribed.Tier }),
                var other => throw new UnreachableException(other.GetType().Name),
            };
        }
        catch (StripeException e)
        {
            return StripeProblem(e);
        }
    }

    /// <summary>
    /// The client's <c>Idempotency-Key</c> (up to 200 printable ASCII characters), or a new one. The Stripe keys
    /// derived from it carry the user id, so one user's key never replays another user's request.
    /// </summary>
    internal static bool TryIdempotencyKey(HttpContext http, Dictionary<string, string[]> errors, out string key)
    {
        var given = http.Request.Headers[IdempotencyHeader].ToString();
        key = Guid.NewGuid().ToString("N");
        if (given.Length == 0)
        {
            return true;
        }
        if (given.Length > 200 || given.Any(c => c is < '!' or > '~'))
        {
            errors[IdempotencyHeader] = ["The Idempotency-Key header must be 1 to 200 printable ASCII characters without spaces."];
            return false;
        }
        key = given;
        return true;
    }

    /// <summary>Stripe refused or failed: a key reused for another request is the client's error (422), the rest is Stripe's (502).</summary>
    internal static ProblemHttpResult StripeProblem(StripeException e)
    {
        if (e.StripeError?.Type == "idempotency_error")
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "The Idempotency-Key was already used for a different request.",
                detail: "Send a new Idempotency-Key for a new request; repeat a key only to retry the very same request.",
                extensions: new Dictionary<string, object?> { ["header"] = IdempotencyHeader });
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Stripe did not accept the request.",
            detail: e.StripeError?.Message ?? "Stripe could not be reached; try again.",
            extensions: new Dictionary<string, object?> { ["stripe_request_id"] = e.StripeResponse?.RequestId, ["stripe_code"] = e.StripeError?.Code });
    }
}
