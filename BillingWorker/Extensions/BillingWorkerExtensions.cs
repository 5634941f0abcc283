using Yapit.Billing.Data;

namespace Yapit.BillingWorker.Extensions;

public static class BillingWorkerExtensions
{
    public static IHostApplicationBuilder AddBillingWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddBillingDatabase();
        return builder;
    }
}
