using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yapit.StripeEmulator.BillingPortal;
using Yapit.StripeEmulator.Checkout;
using Yapit.StripeEmulator.Catalog.Coupons;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Catalog.PromotionCodes;
using Yapit.StripeEmulator.Events;
using Yapit.StripeEmulator.Operator;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.SetupIntents;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Webhooks;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Hosting;

/// <summary>The emulator's composition: what Program calls, in the eShop style.</summary>
public static class EmulatorHostingExtensions
{
    /// <summary>The command line's switches as configuration, and the options bound and checked at start.</summary>
    public static WebApplicationBuilder AddEmulatorDefaults(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, EmulatorCommandLine.SwitchMappings.ToDictionary());
        builder.Services.AddOptions<EmulatorOptions>()
            .Bind(builder.Configuration.GetSection(EmulatorOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EmulatorOptions>, EmulatorOptionsValidator>();
        return builder;
    }

    public static WebApplicationBuilder AddEmulatorServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        // The resource registry: one definition per kind of object the store holds.
        foreach (var resource in EmulatorResources.All)
        {
            services.AddSingleton(resource.Definition);
        }
        foreach (var definition in EmulatorResources.Embedded)
        {
            services.AddSingleton(definition);
        }
        services.AddSingleton(PortalConfigurationResource.Definition);
        services.AddSingleton(PortalSessionResource.Definition);
        services.AddSingleton(WebhookEndpointResource.Definition);
        services.AddSingleton(EventsApi.Definition);
        services.AddSingleton<ResourceRegistry>();

        services.AddSingleton(provider => new StripeStore(
            provider.GetRequiredService<ResourceRegistry>(),
            provider.GetRequiredService<TimeProvider>(),
            StatePersistence.Load(provider.GetRequiredService<IOptions<EmulatorOptions>>().Value)));
        services.AddSingleton<IdempotencyCache>();
        services.AddSingleton<RequestStats>();

        services.AddSingleton<ListenSecret>();
        services.AddSingleton<ForwardTarget>();
        services.AddSingleton<DeliveryLog>();
        services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // each attempt has its own timeout
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        services.AddHostedService<WebhookDispatcher>();
        services.AddHostedService<StatePersistence>();
        services.AddHostedService<ReadyBanner>();
        services.AddHostedService<TestClocks.RealTimeBilling>();
        return builder;
    }

    /// <summary>Request ids on every response; routing, then counting, then Stripe's API conventions.</summary>
    public static WebApplication UseEmulatorPipeline(this WebApplication app)
    {
        app.UseRequestIds();
        app.UseRouting();
        app.UseRequestStats();
        app.UseMiddleware<StripeApiMiddleware>();
        return app;
    }

    public static WebApplication MapStripeApi(this WebApplication app)
    {
        foreach (var resource in EmulatorResources.All)
        {
            app.MapResource(resource);
        }
        app.MapBillingPortalApi();
        app.MapEventsApi();
        app.MapWebhookEndpointsApi();
        // Unknown /v1 URLs reach the middleware without a Stripe endpoint and get Stripe's 404.
        app.MapFallback("/v1/{**path}", () => Results.NotFound());
        app.MapPortalPages();
        app.MapHostedPages();
        app.MapSetupIntentPages();
        return app;
    }
}
