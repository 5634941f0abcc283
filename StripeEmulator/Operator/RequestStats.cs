using System.Collections.Concurrent;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Operator;

/// <summary>Stripe API calls counted by method and route template (<c>POST /v1/products/{id}</c>), for tests and benchmarks.</summary>
public sealed class RequestStats
{
    private readonly ConcurrentDictionary<(string Method, string Path), long> _counts = new();

    public sealed record Entry(string Method, string Path, long Count);

    public void Count(string method, string path) => _counts.AddOrUpdate((method, path), 1, (_, count) => count + 1);

    public IReadOnlyList<Entry> Snapshot() =>
        _counts.Select(c => new Entry(c.Key.Method, c.Key.Path, c.Value))
            .OrderBy(e => e.Path, StringComparer.Ordinal)
            .ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToArray();

    public void Reset() => _counts.Clear();
}

public static class RequestStatsExtensions
{
    /// <summary>Counts every request routed to a Stripe API endpoint, whatever its outcome. Runs after routing.</summary>
    public static IApplicationBuilder UseRequestStats(this IApplicationBuilder app)
    {
        var stats = app.ApplicationServices.GetRequiredService<RequestStats>();
        return app.Use((context, next) =>
        {
            if (context.GetEndpoint() is RouteEndpoint endpoint && endpoint.Metadata.GetMetadata<StripeEndpointMetadata>() is not null)
            {
                var template = endpoint.RoutePattern.RawText ?? context.Request.Path.Value ?? string.Empty;
                stats.Count(context.Request.Method, "/" + template.Trim('/'));
            }
            return next(context);
        });
    }
}
