using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stripe;
using Yapit.Billing.Checkout;
using CheckoutService = Yapit.Billing.Checkout.CheckoutService;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Cors;

namespace Yapit.Gateway.Billing;

/// <summary><c>POST /v1/billing/credits/checkout</c>: a Stripe Checkout Session (payment mode) for a credit pack.</summary>
public static class CreditsApi
{
    public static IEndpointRouteBuilder MapCreditsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/billing/credits").WithTags("Billing").RequireAuthorization(AuthenticationSetup.UserPolicy).RequireFrontendCors()
            .MapPost("/checkout", StartCreditsCheckoutAsync).WithName("StartCreditPackCheckout")
            .WithSummary("A Stripe Checkout URL for a credit pack (its catalog lookup key, e.g. yapit_tokens_5m_v1). Paid, it repays debt first; the rest never expires.")
            .WithDescription("Send an Idempotency-Key header to make retries safe (one is generated otherwise).")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return app;
    }

    public sealed record CreditsCheckoutBody([property: Required] string? Pack);

    public static async Task<Results<Ok<CheckoutApi.CheckoutResponse>, ValidationProblem, ProblemHttpResult>> StartCreditsCheckoutAsync(
        CreditsCheckoutBody? body, ClaimsPrincipal user, CheckoutService checkout, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body?.Pack))
        {
            errors["pack"] = ["pack is required (a credit pack's key, e.g. yapit_tokens_5m_v1)."];
        }
        else if (body.Pack.Length > 200)
        {
            errors["pack"] = ["pack is longer than 200 characters."];
        }
        if (!CheckoutApi.TryIdempotencyKey(http, errors, out var key) || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The credit pack checkout request is not valid.");
        }
        try
        {
            return await checkout.StartCreditPackAsync(user.UserId()!, body!.Pack!, key, cancellationToken) switch
            {
                CheckoutCreated created => TypedResults.Ok(new CheckoutApi.CheckoutResponse(created.CheckoutUrl, created.SessionId)),
                CheckoutNotForSale notForSale => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [notForSale.Field] = [notForSale.Message] },
                    title: "Not for sale."),
                var other => throw new UnreachableException(other.GetType().Name),
            };
        }
        catch (StripeException e)
        {
            return CheckoutApi.StripeProblem(e);
        }
    }
}
