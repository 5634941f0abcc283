using Yapit.Billing.Data;

namespace Yapit.Gateway.Extensions;

public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddBillingDatabase();
        return builder;
    }

    public static IEndpointRouteBuilder MapGatewayApis(this IEndpointRouteBuilder app) => app;
}
