using Yapit.Billing.Data;
using Yapit.Billing.Inbox;
using Yapit.Billing.Plans;
using Yapit.BillingWorker.Backfill;
using Yapit.BillingWorker.Handlers;
using Yapit.BillingWorker.Health;
using Yapit.BillingWorker.Inbox;
using Yapit.BillingWorker.Retention;
using Yapit.StripeApi.DependencyInjection;

namespace Yapit.BillingWorker.Extensions;

public static class BillingWorkerExtensions
{
    public static IHostApplicationBuilder AddBillingWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddBillingDatabase();
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<InboxStore>();
        services.AddSingleton<PlanAvailabilityStore>();

        // The Stripe client retries with idempotency keys itself; a second, generic retry layer would multiply attempts.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the package's way to opt one client out.
        services.AddStripeClient(builder.Configuration).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddOptions<Yapit.StripeApi.StripeClientOptions>().ValidateOnStart();

        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.SectionName)
            .Validate(o => o.MaxConcurrency > 0 && o.MaxAttempts > 0, "Inbox:MaxConcurrency and Inbox:MaxAttempts must be positive.");
        services.AddOptions<BackfillOptions>().BindConfiguration(BackfillOptions.SectionName);

        var registry = EventHandlerRegistry.Default;
        services.AddSingleton(registry);
        foreach (var handler in registry.HandlerTypes)
        {
            services.AddScoped(handler);
        }
        services.AddSingleton<EventDispatcher>();
        services.AddSingleton<InboxProcessor>();
        services.AddHostedService(provider => provider.GetRequiredService<InboxProcessor>());
        services.AddSingleton<EventBackfillService>();
        services.AddHostedService(provider => provider.GetRequiredService<EventBackfillService>());
        services.AddSingleton<InboxMaintenanceService>();
        services.AddHostedService(provider => provider.GetRequiredService<InboxMaintenanceService>());

        services.AddHealthChecks().AddCheck<InboxHealthCheck>("inbox");
        return builder;
    }
}
