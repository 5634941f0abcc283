using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Yapit.Billing.Subscriptions;

public static class SubscriptionChangesServices
{
    /// <summary>Plan changes, cancellations and what reconciliation needs of them (gateway and worker).</summary>
    public static IServiceCollection AddSubscriptionChanges(this IServiceCollection services)
    {
        services.AddSubscriptionServices();
        services.TryAddSingleton<SubscriptionChangesStore>();
        services.TryAddSingleton<PlanChangeService>();
        return services;
    }
}
