using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Stripe;
using Yapit.Billing.Checkout;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Cors;

namespace Yapit.Gateway.Billing;

/// <summary><c>POST /v1/billing/portal</c>: a Stripe customer portal session for the signed-in user.</summary>
public static class PortalApi
{
    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/billing").WithTags("Billing").RequireAuthorization(AuthenticationSetup.UserPolicy).RequireFrontendCors()
            .MapPost("/portal", CreatePortalSessionAsync).WithName("CreatePortalSession")
            .WithSummary("A Stripe customer portal URL: configuration is a catalog portal key (default manage); flow deep-links to subscription_update, subscription_cancel or payment_method_update.")
            .WithDescription("Canceled users who still have a Stripe customer may open it. 404 when the user has no customer; 409 when the flow needs a subscription and there is none.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return app;
    }

    public sealed record PortalBody(string? Configuration, string? Flow);

    public sealed record PortalResponse(string PortalUrl);

    public static async Task<Results<Ok<PortalResponse>, ValidationProblem, ProblemHttpResult>> CreatePortalSessionAsync(
        PortalBody? body, ClaimsPrincipal user, PortalService portal, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body?.Configuration is { } configuration && (configuration.Length is 0 or > 100 || configuration.Any(char.IsControl)))
        {
            errors["configuration"] = ["configuration must be a portal configuration's catalog key (1 to 100 characters)."];
        }
        if (body?.Flow is { } flow && !PortalFlows.All.Contains(flow))
        {
            errors["flow"] = [$"flow must be one of: {string.Join(", ", PortalFlows.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The portal request is not valid.");
        }
        try
        {
            return await portal.CreateAsync(user.UserId()!, body?.Configuration, body?.Flow, cancellationToken) switch
            {
                PortalCreated created => TypedResults.Ok(new PortalResponse(created.PortalUrl)),
                PortalUnknownConfiguration unknown => TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["configuration"] = [$"No portal configuration has the key '{unknown.Key}'; known keys: {(unknown.Known.Count > 0 ? string.Join(", ", unknown.Known) : "none")}."],
                }, title: "Unknown portal configuration."),
                PortalNoCustomer => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No billing account yet.",
                    detail: "The portal opens for users who have bought a plan or a credit pack; start a checkout first."),
                PortalNoSubscription noSubscription => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No subscription for this flow.",
                    detail: $"The {noSubscription.Flow} flow needs a subscription that is not canceled; start a checkout instead.",
                    extensions: new Dictionary<string, object?> { ["flow"] = noSubscription.Flow }),
                var other => throw new UnreachableException(other.GetType().Name),
            };
        }
        catch (StripeException e)
        {
            return CheckoutApi.StripeProblem(e);
        }
    }
}
