using System.Text.Json;
using Yapit.Billing.Data;
using Yapit.Billing.Inbox;
using Yapit.Gateway.Admin;
using Yapit.Gateway.Webhooks;

namespace Yapit.Gateway.Extensions;

public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddBillingDatabase();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<InboxStore>();
        builder.Services.AddSingleton<WebhookInboxWriter>();
        builder.Services.AddOptions<WebhookIntakeOptions>().BindConfiguration("Stripe");
        builder.Services.AddOptions<AdminOptions>().BindConfiguration("Admin");
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        return builder;
    }

    public static IEndpointRouteBuilder MapGatewayApis(this IEndpointRouteBuilder app)
    {
        app.MapWebhookApi();
        app.MapAdminApi();
        return app;
    }
}
