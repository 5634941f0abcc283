using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Checkout;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.SetupIntents;

/// <summary>
/// The 3D Secure step of saving a card (Stripe's page behind a SetupIntent's <c>next_action</c>): "Complete" saves the
/// card, "Fail" refuses it; then back to the <c>return_url</c> with <c>setup_intent</c> and its client secret, as
/// Stripe redirects (https://docs.stripe.com/payments/save-and-reuse). A plain HTML form, like the other hosted pages.
/// </summary>
public static class SetupIntentPages
{
    public static IEndpointRouteBuilder MapSetupIntentPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/setup_intent/{id}/authenticate", Show);
        app.MapPost("/setup_intent/{id}/authenticate", Authenticate);
        return app;
    }

    public static string AuthenticationUrl(string baseUrl, string id, string? returnUrl) =>
        $"{baseUrl}/setup_intent/{id}/authenticate" + (returnUrl is { Length: > 0 } back ? $"?return_to={Uri.EscapeDataString(back)}" : string.Empty);

    public static IResult Show(string id, StripeStore store, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "return_to")] string? returnTo = null, string? error = null)
    {
        var page = store.Read(tx => tx.Find(SetupIntentResource.Type, id) is { } intent ? Render(intent, returnTo, error) : null);
        return page is null ? HostedPages.NotFound("This SetupIntent does not exist.") : TypedResults.Content(page, "text/html; charset=utf-8", statusCode: error is null ? 200 : 400);
    }

    public static async Task<IResult> Authenticate(string id, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var returnTo = form["return_to"].ToString();
        JsonObject intent;
        try
        {
            intent = store.Write(new RequestInfo(null, null), tx => SetupIntentResource.FinishAuthentication(tx, id, form["action"] != "fail"));
        }
        catch (StripeErrorException error)
        {
            return Show(id, store, returnTo, error.Message);
        }
        if (returnTo.Length == 0)
        {
            return TypedResults.Redirect($"/setup_intent/{id}/authenticate");
        }
        var separator = returnTo.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return TypedResults.Redirect($"{returnTo}{separator}setup_intent={Uri.EscapeDataString(id)}"
            + $"&setup_intent_client_secret={Uri.EscapeDataString(intent["client_secret"]!.GetValue<string>())}&redirect_status={(intent["status"]!.GetValue<string>() == "succeeded" ? "succeeded" : "failed")}");
    }

    private static string Render(JsonObject intent, string? returnTo, string? error)
    {
        var id = intent["id"]!.GetValue<string>();
        var status = intent["status"]!.GetValue<string>();
        var html = HostedPages.Page("Authenticate").Append("<h1>Authenticate this card</h1>");
        if (error is not null)
        {
            html.Append("<p class=\"error\" id=\"error\">").Append(HostedPages.E(error)).Append("</p>");
        }
        if (status != "requires_action")
        {
            return html.Append("<p id=\"status\">This card's setup is ").Append(HostedPages.E(status)).Append(".</p></body></html>").ToString();
        }
        html.Append("<p>Your bank asks you to confirm saving this card (3D Secure, emulated).</p>");
        foreach (var (action, label) in new[] { ("complete", "Complete authentication"), ("fail", "Fail authentication") })
        {
            html.Append("<form method=\"post\" action=\"/setup_intent/").Append(HostedPages.E(id)).Append("/authenticate\" style=\"display:inline\">")
                .Append("<input type=\"hidden\" name=\"action\" value=\"").Append(action).Append("\">")
                .Append("<input type=\"hidden\" name=\"return_to\" value=\"").Append(HostedPages.E(returnTo)).Append("\">")
                .Append("<button type=\"submit\" id=\"").Append(action).Append("\">").Append(label).Append("</button></form> ");
        }
        return html.Append("</body></html>").ToString();
    }
}
