using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Wire;

/// <summary>Every response carries <c>Request-Id: req_...</c>, as Stripe's do; events name the request that caused them.</summary>
public static class RequestIds
{
    public const string HeaderName = "Request-Id";
    private static readonly object ItemKey = new();

    public static string Get(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var id) && id is string value ? value : string.Empty;

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var id = IdGenerator.New("req", 14);
        context.Items[ItemKey] = id;
        context.Response.Headers[HeaderName] = id;
        return next(context);
    });
}
