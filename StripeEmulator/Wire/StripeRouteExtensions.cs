namespace Yapit.StripeEmulator.Wire;

public static class StripeRouteExtensions
{
    /// <summary>A route group of Stripe's API: its endpoints get authentication, idempotency and Stripe's errors.</summary>
    public static RouteGroupBuilder MapStripeGroup(this IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix);
        group.WithMetadata(StripeEndpointMetadata.Instance);
        return group;
    }
}
