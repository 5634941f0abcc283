using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Tells a database that cannot be used right now (unreachable, refusing connections, shutting down, or a pool that
/// timed out) from a bug. Such a failure is the caller's cue to retry with the same idempotency key, so every endpoint
/// answers it 503 with <c>Retry-After</c>, never 500.
/// </summary>
public static class DatabaseUnavailable
{
    /// <summary>What a 503 asks the caller to wait before retrying.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public const string MeterName = "Yapit.Database";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Requests answered 503 because the database could not be used, by route and reason.</summary>
    public static readonly Counter<long> Answers = Meter.CreateCounter<long>(
        "yapit.database.unavailable", unit: "{request}", description: "Requests answered 503 because the database could not be used (by route and reason).");

    /// <summary>
    /// The reason (<c>unreachable</c>, <c>pool_timeout</c>, <c>server_unavailable</c>) when <paramref name="error"/>
    /// or an exception inside it says the database cannot be used now; null for anything else (a bug: 500).
    /// </summary>
    public static string? Reason(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // Connection exceptions (08), too many connections (53300), the server shutting down or starting
                    // (57P01-57P03): the server is there but cannot serve us now. Other SQL errors are bugs.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState is "53300" or "57P01" or "57P02" or "57P03"
                        ? "server_unavailable"
                        : null;
                case NpgsqlException npgsql when npgsql.InnerException is TimeoutException && npgsql.Message.Contains("pool", StringComparison.OrdinalIgnoreCase):
                    return "pool_timeout";
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return "unreachable";
            }
        }
        return null;
    }
}

/// <summary>
/// The one place that turns <see cref="DatabaseUnavailable"/> failures into 503 Problem Details with
/// <c>Retry-After</c> on every endpoint (no per-endpoint try/catch), counted by <c>yapit.database.unavailable</c>.
/// </summary>
public sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted || DatabaseUnavailable.Reason(exception) is not { } reason)
        {
            return false;
        }
        // The middleware has cleared the request's endpoint by now; its feature keeps the one that failed.
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint();
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(none)";
        DatabaseUnavailable.Answers.Add(1, new KeyValuePair<string, object?>("http.route", route), new KeyValuePair<string, object?>("reason", reason));
        // The exception's message names host and port at most, never the password; it is logged without the stack.
        logger.LogWarning("The database is unavailable ({Reason}: {Message}); {Method} {Route} answered 503", reason, exception.Message, httpContext.Request.Method, route);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = ((int)DatabaseUnavailable.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The billing database is unavailable.",
                Detail = "Retry after the Retry-After delay, with the same idempotency key where the request has one.",
            },
        }).ConfigureAwait(false);
    }
}
