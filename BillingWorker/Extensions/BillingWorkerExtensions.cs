using Yapit.Billing.Data;
using Yapit.Billing.Inbox;
using Yapit.Billing.Plans;
using Yapit.Billing.Subscriptions;
using Yapit.Billing.Usage;
using Yapit.BillingWorker.Backfill;
using Yapit.BillingWorker.Handlers;
using Yapit.BillingWorker.Health;
using Yapit.BillingWorker.Inbox;
using Yapit.BillingWorker.Reconciliation;
using Yapit.BillingWorker.Retention;
using Yapit.Billing.Stripe;

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
        services.AddSubscriptionServices();
        services.AddSubscriptionChanges();

        // Stripe.net, registered once for every service; it retries with idempotency keys itself (the only retry layer).
        services.AddStripe(builder.Configuration);
        services.AddOptions<StripeSettings>().ValidateOnStart();

        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.SectionName)
            .Validate(o => o.MaxConcurrency > 0 && o.MaxAttempts > 0, "Inbox:MaxConcurrency and Inbox:MaxAttempts must be positive.")
            .Validate(o => o.Lease >= TimeSpan.FromMilliseconds(300) && o.HandlerTimeout > TimeSpan.Zero, "Inbox:Lease must be at least 0.3 s and Inbox:HandlerTimeout positive.")
            // Backfill re-inserts any event Stripe still lists that the inbox lacks: a pruned event would come back.
            .Validate(o => o.Retention > BackfillOptions.StripeRetention, "Inbox:Retention must be longer than the 30 days Stripe lists events.");
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

        services.AddOptions<ReconciliationOptions>().BindConfiguration(ReconciliationOptions.SectionName)
            .Validate(o => o.Interval > TimeSpan.Zero && o.PageSize is > 0 and <= 100, "Reconciliation:Interval must be positive and Reconciliation:PageSize 1 to 100.")
            .Validate(o => o.PendingLeadTime > o.Interval, "Reconciliation:PendingLeadTime must be longer than Reconciliation:Interval, or a pending plan could miss its period end.")
            .ValidateOnStart();
        services.AddSingleton<ReconciliationService>();
        services.AddHostedService(provider => provider.GetRequiredService<ReconciliationService>());

        services.AddHealthChecks().AddCheck<InboxHealthCheck>("inbox");
        return builder;
    }
}
