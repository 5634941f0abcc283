using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yapit.Billing.Subscriptions;

namespace Yapit.Billing.Checkout;

public static class CheckoutServices
{
    /// <summary>Checkout (plans and credit packs) and the customer portal, for the gateway.</summary>
    public static IServiceCollection AddCheckoutServices(this IServiceCollection services)
    {
        services.AddSubscriptionServices();
        services.TryAddSingleton<CreditPackReader>();
        services.TryAddSingleton<StripeCustomers>();
        services.TryAddSingleton<CheckoutService>();
        services.TryAddSingleton<PortalService>();
        return services;
    }
}
