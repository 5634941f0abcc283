using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Yapit.Billing.Stripe;

/// <summary>
/// One client span per attempt Stripe.net sends (its retries are separate attempts), named by the path template
/// (<c>stripe GET /v1/prices/{id}</c>) so traces group by operation. Tags: method, template, status, Stripe's
/// <c>Request-Id</c>, the API version. Never the key, a query string or a body. The HttpClient span nests under it.
/// </summary>
public sealed class StripeTelemetryHandler : DelegatingHandler
{
    public const string ActivitySourceName = "Yapit.Stripe";

    private static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var template = request.RequestUri is { } uri ? StripePaths.Template(uri.AbsolutePath) : "/";
        using var activity = ActivitySource.StartActivity($"stripe {request.Method.Method} {template}", ActivityKind.Client);
        if (activity is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        activity.SetTag("http.request.method", request.Method.Method);
        activity.SetTag("url.template", template);
        activity.SetTag("server.address", request.RequestUri?.Host);
        if (request.Headers.TryGetValues("Stripe-Version", out var versions))
        {
            activity.SetTag("stripe.api_version", versions.FirstOrDefault());
        }
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            activity.SetTag("http.response.status_code", status);
            if (response.Headers.TryGetValues("Request-Id", out var ids))
            {
                activity.SetTag("stripe.request_id", ids.FirstOrDefault());
            }
            if (status >= 400)
            {
                activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
                activity.SetStatus(ActivityStatusCode.Error);
            }
            return response;
        }
        catch (Exception error)
        {
            activity.SetTag("error.type", error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            throw;
        }
    }
}

/// <summary>Stripe paths with their ids replaced by <c>{id}</c>: low-cardinality names for spans.</summary>
public static class StripePaths
{
    // Segments that group resources rather than name one (/v1/billing_portal/configurations, /v1/test_helpers/...).
    private static readonly HashSet<string> Namespaces = new(StringComparer.Ordinal) { "v1", "v2", "billing_portal", "checkout", "test_helpers", "billing" };

    // Collection-level operations that follow a collection name where an id would otherwise be.
    private static readonly HashSet<string> CollectionActions = new(StringComparer.Ordinal) { "search", "upcoming", "preview" };

    public static string Template(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var template = new StringBuilder();
        var previousWasCollection = false;
        foreach (var segment in segments)
        {
            template.Append('/');
            if (previousWasCollection && !CollectionActions.Contains(segment))
            {
                template.Append("{id}");
                previousWasCollection = false;
                continue;
            }
            template.Append(segment);
            // After a collection comes an id; after an id comes an action or a sub-collection.
            previousWasCollection = !Namespaces.Contains(segment) && !CollectionActions.Contains(segment) && IsCollectionPosition(template);
        }
        return template.Length == 0 ? "/" : template.ToString();
    }

    // A collection follows a namespace or an id: /v1/prices, /v1/billing_portal/configurations, /v1/customers/{id}/sources.
    private static bool IsCollectionPosition(StringBuilder template)
    {
        var text = template.ToString();
        var last = text.LastIndexOf('/');
        var before = text.LastIndexOf('/', Math.Max(last - 1, 0));
        var previous = last <= 0 ? string.Empty : text[(before + 1)..last];
        return previous.Length == 0 || Namespaces.Contains(previous) || previous == "{id}";
    }
}
