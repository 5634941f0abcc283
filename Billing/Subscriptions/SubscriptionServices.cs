using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yapit.Billing.Plans;
using Yapit.Billing.Usage;

namespace Yapit.Billing.Subscriptions;

public static class SubscriptionServices
{
    /// <summary>The stores and the sync shared by the gateway (checkout's point-of-decision sync) and the worker.</summary>
    public static IServiceCollection AddSubscriptionServices(this IServiceCollection services)
    {
        services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PlanCatalogReader>();
        services.TryAddSingleton<SubscriptionStore>();
        services.TryAddSingleton<MeterCatalogSource>();
        services.AddOptions<UsageLedgerOptions>().BindConfiguration(UsageLedgerOptions.SectionName);
        services.TryAddSingleton(UsageLedger.Create);
        services.TryAddSingleton<SubscriptionSync>();
        return services;
    }
}
