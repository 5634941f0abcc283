using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>
/// The page a portal session's URL opens, standing in for billing.stripe.com: who it is for, what the
/// configuration allows, and the way back. Part 2 of the emulator adds the subscription actions.
/// </summary>
public static class PortalPages
{
    public static IEndpointRouteBuilder MapPortalPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/p/session/{id}", ShowSession);
        return app;
    }

    public static IResult ShowSession(string id, StripeStore store)
    {
        var page = store.Read(tx =>
        {
            if (tx.Find(PortalSessionResource.Type, id) is not { } session)
            {
                return null;
            }
            var configuration = tx.Find(PortalConfigurationResource.Type, session["configuration"]!.GetValue<string>());
            return Render(session, configuration);
        });
        return page is null
            ? TypedResults.Content("<!doctype html><title>Not found</title><p>This portal session does not exist.</p>", "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Content(page, "text/html; charset=utf-8");
    }

    private static string Render(JsonObject session, JsonObject? configuration)
    {
        static string Text(JsonNode? node) => WebUtility.HtmlEncode(node?.GetValue<string>() ?? string.Empty);

        var features = configuration?["features"] as JsonObject ?? [];
        var enabled = features.Where(f => f.Value?["enabled"]?.GetValue<bool>() == true).Select(f => f.Key.Replace('_', ' ')).ToList();
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Customer portal (Stripe emulator)</title></head><body>")
            .Append("<h1>").Append(Text(configuration?["business_profile"]?["headline"]) is { Length: > 0 } headline ? headline : "Customer portal").Append("</h1>")
            .Append("<p>Customer <code id=\"customer\">").Append(Text(session["customer"])).Append("</code></p>")
            .Append("<p>Configuration <code id=\"configuration\">").Append(Text(session["configuration"])).Append("</code></p>")
            .Append("<ul id=\"features\">");
        foreach (var feature in enabled)
        {
            html.Append("<li>").Append(WebUtility.HtmlEncode(feature)).Append("</li>");
        }
        html.Append("</ul>");
        if (session["return_url"]?.GetValue<string>() is { } returnUrl)
        {
            html.Append("<p><a id=\"return\" href=\"").Append(WebUtility.HtmlEncode(returnUrl)).Append("\">Return</a></p>");
        }
        return html.Append("</body></html>").ToString();
    }
}
