using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalar.AspNetCore;
using Yapit.Billing.Checkout;
using Yapit.Billing.Data;
using Yapit.Billing.Inbox;
using Yapit.Billing.Plans;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;
using Yapit.Billing.Stripe;
using Yapit.Gateway.Admin;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Billing;
using Yapit.Gateway.Cors;
using Yapit.Gateway.OpenApi;
using Yapit.Gateway.Usage;
using Yapit.Gateway.Webhooks;

namespace Yapit.Gateway.Extensions;

public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGatewayServices(this IHostApplicationBuilder builder)
    {
        builder.AddBillingDatabase();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<InboxStore>();
        // The intake writes through its own pool: product endpoints cannot starve it of connections, and since its
        // statements (the insert, the wake-up NOTIFY) leave no session state, its connections skip Npgsql's reset.
        builder.AddBillingDataSource(WebhookInboxWriter.DataSourceKey, purpose: "webhook intake", statelessSessions: true);
        builder.Services.AddSingleton(services => new WebhookInboxWriter(
            new InboxStore(services.GetRequiredKeyedService<NpgsqlDataSource>(WebhookInboxWriter.DataSourceKey), services.GetService<ILogger<InboxStore>>()),
            services.GetRequiredService<IOptions<WebhookIntakeOptions>>()));
        // Read a connection's next request straight into a buffer, without first waiting for data with a zero-byte
        // read: one system call less per request, for a 4 KB buffer held by each idle keep-alive connection. It took
        // 14% off the intake's CPU per webhook on 2 cores (bench/README.md).
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);
        builder.Services.AddOptions<WebhookIntakeOptions>().BindConfiguration("Stripe");
        builder.Services.AddOptions<AdminOptions>().BindConfiguration("Admin");
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Stripe.net, the same registration as every service (Checkout and the portal call Stripe through it).
        builder.Services.AddStripe(builder.Configuration);
        builder.AddUserAuthentication();
        builder.AddFrontendCors();
        builder.Services.AddSubscriptionServices();
        builder.Services.AddCheckoutServices();
        builder.Services.AddOpenApi(GatewayOpenApi.Configure);
        builder.Services.AddSubscriptionChanges();
        builder.Services.AddDataProtection();
        builder.Services.AddSingleton<PreviewTokens>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // Numbers are JSON numbers: the web defaults would take "5" for 5 (docs/billing-rules.md, "Usage input").
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        // A body that does not bind (not JSON, a string for a number, 2^63, 1.5) reaches BadRequestExceptionHandler in
        // every environment, which names the field; otherwise Production answers a bare 400.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        return builder;
    }

    public static WebApplication MapGatewayApis(this WebApplication app)
    {
        // Exceptions become Problem Details here whatever the service defaults do: a bad request keeps its 4xx
        // (BadRequestExceptionHandler), anything else is a 500 without details, and no environment shows the
        // developer exception page (this handler sits inside it and catches first).
        app.UseExceptionHandler();
        // After routing (WebApplication adds it first), so the policy is the endpoint's and only user endpoints answer a
        // preflight; before authentication and authorization, so a preflight (which carries no token) is not a 401.
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapWebhookApi();
        app.MapAdminApi();
        app.MapUsageApi();
        app.MapBillingApi();
        app.MapCheckoutApi();
        app.MapPortalApi();
        app.MapCreditsApi();
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            // The API reference a person reads and tries calls in (/scalar), over /openapi/v1.json; its script ships in the package.
            app.MapScalarApiReference(options =>
            {
                options.WithTitle("Yapit Billing gateway").AddPreferredSecuritySchemes(GatewayOpenApi.UserScheme);
                options.DefaultFonts = false; // no font download: the reference works offline
            });
        }
        app.MapSubscriptionChangeApi();
        return app;
    }
}
