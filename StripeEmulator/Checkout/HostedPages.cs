using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.Wire;

namespace Yapit.StripeEmulator.Checkout;

/// <summary>
/// The pages Stripe hosts, standing in for checkout.stripe.com and invoice.stripe.com: a Checkout session's page
/// (items, trial, total after discounts, a promotion code field, a test card to pay with) and an invoice's page (pay
/// an open invoice, finish a payment that needs authentication). Plain HTML forms, so tests drive them over HTTP.
/// Also the operator's shortcut, <c>POST /_emulator/checkout/{id}/complete</c>.
/// </summary>
public static class HostedPages
{
    private const string Html = "text/html; charset=utf-8";

    public static IEndpointRouteBuilder MapHostedPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/checkout/{id}", ShowCheckout);
        app.MapPost("/checkout/{id}/pay", PayCheckout);
        app.MapPost("/checkout/{id}/promotion_code", ApplyPromotionCode);
        app.MapGet("/invoice/{id}", ShowInvoice);
        app.MapPost("/invoice/{id}/pay", PayInvoice);
        app.MapGet("/invoice/{id}/authenticate", ShowAuthentication);
        app.MapPost("/invoice/{id}/authenticate", Authenticate);
        app.MapPost("/_emulator/checkout/{id}/complete", CompleteShortcut);
        return app;
    }

    private static RequestInfo PageRequest(HttpContext http) => new(null, null) { BaseUrl = $"{http.Request.Scheme}://{http.Request.Host}" };

    public static IResult ShowCheckout(string id, StripeStore store, string? error = null)
    {
        var page = store.Read(tx => tx.Find(CheckoutSessionResource.Type, id) is { } session ? RenderCheckout(tx, session, error) : null);
        return page is null ? NotFound("This Checkout Session does not exist.") : TypedResults.Content(page, Html, statusCode: error is null ? 200 : 402);
    }

    public static async Task<IResult> PayCheckout(string id, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            var completion = store.Write(PageRequest(http), tx => CheckoutSessionResource.Complete(tx, id, Card(form["card"]), form["email"], form["name"]));
            return TypedResults.Redirect(completion.Redirect);
        }
        catch (StripeErrorException error)
        {
            return ShowCheckout(id, store, error.Message);
        }
    }

    public static async Task<IResult> ApplyPromotionCode(string id, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            store.Write(PageRequest(http), tx =>
            {
                CheckoutSessionResource.ApplyPromotionCode(tx, id, form["promotion_code"].ToString());
                return true;
            });
            return TypedResults.Redirect($"/checkout/{id}");
        }
        catch (StripeErrorException error)
        {
            return ShowCheckout(id, store, error.Message);
        }
    }

    /// <summary>The operator's shortcut: pays the session as the page would, answers with the session and where the page would go.</summary>
    public static async Task<IResult> CompleteShortcut(string id, HttpContext http, StripeStore store)
    {
        var query = http.Request.Query;
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false) : null;
        string? Value(string key) => form?[key].FirstOrDefault() ?? query[key].FirstOrDefault();
        try
        {
            var completion = store.Write(PageRequest(http), tx =>
            {
                if (Value("promotion_code") is { Length: > 0 } code)
                {
                    CheckoutSessionResource.ApplyPromotionCode(tx, id, code);
                }
                var result = CheckoutSessionResource.Complete(tx, id, Card(Value("card")), Value("email"), Value("name"));
                return new { session = ObjectRenderer.Render(tx, result.Session, []), redirect = result.Redirect };
            });
            return TypedResults.Json(completion, StoreSnapshot.JsonOptions);
        }
        catch (StripeErrorException error)
        {
            return TypedResults.Content(Encoding.UTF8.GetString(StripeResults.ErrorBody(error)), StripeResults.JsonContentType, statusCode: error.Status);
        }
    }

    public static IResult ShowInvoice(string id, StripeStore store, string? error = null)
    {
        var page = store.Read(tx => tx.Find(InvoiceEngine.Type, id) is { } invoice ? RenderInvoice(invoice, error) : null);
        return page is null ? NotFound("This invoice does not exist.") : TypedResults.Content(page, Html, statusCode: error is null ? 200 : 402);
    }

    public static async Task<IResult> PayInvoice(string id, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        try
        {
            var outcome = store.Write(PageRequest(http), tx => PayOpenInvoice(tx, id, Card(form["card"])));
            return outcome switch
            {
                PaymentOutcome.Succeeded => TypedResults.Redirect($"/invoice/{id}"),
                PaymentOutcome.RequiresAction => TypedResults.Redirect($"/invoice/{id}/authenticate"),
                _ => ShowInvoice(id, store, "Your card was declined."),
            };
        }
        catch (StripeErrorException error)
        {
            return ShowInvoice(id, store, error.Message);
        }
    }

    public static IResult ShowAuthentication(string id, StripeStore store, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "return_to")] string? returnTo = null)
    {
        var page = store.Read(tx => tx.Find(InvoiceEngine.Type, id) is { } invoice ? RenderAuthentication(invoice, returnTo) : null);
        return page is null ? NotFound("This invoice does not exist.") : TypedResults.Content(page, Html);
    }

    /// <summary>The 3D Secure step: <c>action=complete</c> succeeds the payment, <c>action=fail</c> fails it.</summary>
    public static async Task<IResult> Authenticate(string id, HttpContext http, StripeStore store)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var succeed = form["action"] != "fail";
        try
        {
            store.Write(PageRequest(http), tx => FinishAuthentication(tx, id, succeed));
        }
        catch (StripeErrorException error)
        {
            return ShowInvoice(id, store, error.Message);
        }
        var returnTo = form["return_to"].ToString();
        return succeed && returnTo.Length > 0 ? TypedResults.Redirect(returnTo) : TypedResults.Redirect($"/invoice/{id}");
    }

    private static string Card(string? token) => string.IsNullOrWhiteSpace(token) ? "pm_card_visa" : token;

    internal static PaymentOutcome PayOpenInvoice(StoreTransaction tx, string id, string token)
    {
        var invoice = tx.Get(InvoiceEngine.Type, id);
        tx.UseClockOf(invoice);
        if (invoice["status"]!.GetValue<string>() != "open")
        {
            throw StripeErrors.Invalid($"This invoice is {invoice["status"]}; only an open invoice can be paid.");
        }
        var customerId = invoice["customer"]!.GetValue<string>();
        var paymentMethod = SubscriptionEngine.OwnPaymentMethod(tx, customerId, token, "card");
        var attempt = InvoiceEngine.Collect(tx, invoice, paymentMethod, retriesAfterFailure: true);
        tx.Update(invoice);
        InvoiceEngine.Announce(tx, invoice, attempt);
        if (attempt.Outcome == PaymentOutcome.Succeeded)
        {
            SubscriptionEngine.OnInvoicePaid(tx, invoice);
            CompleteAsyncCheckout(tx, invoice, succeeded: true);
        }
        return attempt.Outcome;
    }

    private static bool FinishAuthentication(StoreTransaction tx, string id, bool succeed)
    {
        var invoice = tx.Get(InvoiceEngine.Type, id);
        tx.UseClockOf(invoice);
        var pending = tx.All(InvoiceEngine.InvoicePaymentType).FirstOrDefault(p => p.Data["invoice"]?.GetValue<string>() == id && p.Data["status"]?.GetValue<string>() == "open");
        var intent = pending?.Data["payment"]?["payment_intent"]?.GetValue<string>() is { } intentId ? tx.Find(PaymentIntents.Type, intentId) : null;
        if (invoice["status"]!.GetValue<string>() != "open" || intent?["status"]?.GetValue<string>() != "requires_action")
        {
            throw StripeErrors.Invalid("This invoice has no payment waiting for authentication.");
        }
        var paymentMethod = intent["payment_method"]!.GetValue<string>();
        var storedMethod = tx.Get(PaymentMethodResource.Type, paymentMethod);
        var card = TestCards.Of(storedMethod);
        // Authenticated is not paid for every card: some are declined by the issuer after 3D Secure (https://docs.stripe.com/testing#regulatory-cards).
        var outcome = succeed && card.Behavior != CardBehavior.DeclinesAfterAuthentication ? PaymentOutcome.Succeeded : PaymentOutcome.Declined;
        PaymentIntents.Settle(intent, outcome, card, paymentMethod);
        if (succeed)
        {
            TestCards.Authenticated(tx, storedMethod);
        }
        if (!succeed)
        {
            intent["last_payment_error"]!["decline_code"] = null;
            intent["last_payment_error"]!["code"] = "payment_intent_authentication_failure";
            intent["last_payment_error"]!["message"] = "The provided payment method has failed authentication.";
        }
        tx.Update(intent);
        var attempt = InvoiceEngine.Apply(tx, invoice, intent, outcome, retriesAfterFailure: false);
        tx.Update(invoice);
        InvoiceEngine.Announce(tx, invoice, attempt, intentIsNew: false);
        if (outcome == PaymentOutcome.Succeeded)
        {
            SubscriptionEngine.OnInvoicePaid(tx, invoice);
        }
        CompleteAsyncCheckout(tx, invoice, outcome == PaymentOutcome.Succeeded);
        return true;
    }

    /// <summary>A Checkout session completed unpaid (authentication pending) learns the outcome, as Stripe's async events tell.</summary>
    private static void CompleteAsyncCheckout(StoreTransaction tx, JsonObject invoice, bool succeeded)
    {
        var session = tx.All(CheckoutSessionResource.Type).FirstOrDefault(s => s.Data["invoice"]?.GetValue<string>() == invoice["id"]!.GetValue<string>()
            && s.Data["payment_status"]?.GetValue<string>() == "unpaid");
        if (session is null)
        {
            return;
        }
        var after = (JsonObject)session.Data.DeepClone();
        if (succeeded)
        {
            after["payment_status"] = "paid";
        }
        tx.Update(after);
        tx.Emit(succeeded ? "checkout.session.async_payment_succeeded" : "checkout.session.async_payment_failed", after,
            JsonObjects.PreviousAttributes(session.Data, after));
    }

    internal static IResult NotFound(string message) =>
        TypedResults.Content($"<!doctype html><title>Not found</title><p>{WebUtility.HtmlEncode(message)}</p>", Html, statusCode: StatusCodes.Status404NotFound);

    internal static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    private static string Money(JsonNode? amount, JsonNode? currency) => SubscriptionEngine.Money(amount?.GetValue<long>() ?? 0, currency?.GetValue<string>() ?? "usd");

    internal static StringBuilder Page(string title) => new StringBuilder()
        .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
        .Append(E(title)).Append(" (Stripe emulator)</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}")
        .Append("table{width:100%;border-collapse:collapse}td{padding:.3rem 0}td.amount{text-align:right}.error{color:#b00020}button{padding:.5rem 1rem}</style></head><body>");

    internal static void CardChoice(StringBuilder html)
    {
        html.Append("<p><label for=\"card\">Test card</label><br><select id=\"card\" name=\"card\">");
        foreach (var card in TestCards.All)
        {
            html.Append("<option value=\"").Append(card.Token).Append("\">").Append(E(card.Label)).Append("</option>");
        }
        html.Append("</select></p>");
    }

    private static string RenderCheckout(StoreTransaction tx, JsonObject session, string? error)
    {
        var id = session["id"]!.GetValue<string>();
        var html = Page("Checkout").Append("<h1>Checkout</h1>");
        if (error is not null)
        {
            html.Append("<p class=\"error\" id=\"error\" role=\"alert\">").Append(E(error)).Append("</p>");
        }
        var status = session["status"]!.GetValue<string>();
        html.Append("<p>Status: <span id=\"status\">").Append(E(status)).Append("</span></p><table id=\"items\">");
        foreach (var item in ((JsonArray)session["line_items"]!["data"]!).Select(i => (JsonObject)i!))
        {
            var price = (JsonObject)item["price"]!;
            var every = price["recurring"]?["interval"]?.GetValue<string>() is { } interval ? $" / {interval}" : string.Empty;
            html.Append("<tr><td>").Append(E(item["description"]?.GetValue<string>())).Append(" × ").Append(item["quantity"])
                .Append("</td><td class=\"amount\">").Append(E(Money(item["amount_subtotal"], item["currency"]) + every)).Append("</td></tr>");
        }
        html.Append("</table>");
        if (CheckoutSessionResource.TrialEnd(tx, session) is { } trialEnd && session["mode"]!.GetValue<string>() == "subscription")
        {
            var days = (trialEnd - tx.NowUnix + 86399) / 86400;
            html.Append("<p id=\"trial\">").Append(days).Append(" days free, then billed each period.</p>");
        }
        if (session["total_details"]?["amount_discount"]?.GetValue<long>() is > 0 and var discount)
        {
            html.Append("<p>Discount: <span id=\"discount\">−").Append(E(SubscriptionEngine.Money(discount, session["currency"]!.GetValue<string>()))).Append("</span></p>");
        }
        html.Append("<p><strong>Total due today: <span id=\"total\">").Append(E(Money(session["amount_total"], session["currency"]))).Append("</span></strong></p>");
        if (status != "open")
        {
            return html.Append("<p>This session can no longer be paid.</p></body></html>").ToString();
        }
        if (session["allow_promotion_codes"]?.GetValue<bool>() == true)
        {
            html.Append("<form method=\"post\" action=\"/checkout/").Append(E(id)).Append("/promotion_code\" id=\"promotion\">")
                .Append("<label for=\"promotion_code\">Promotion code</label> <input id=\"promotion_code\" name=\"promotion_code\" autocomplete=\"off\"> ")
                .Append("<button type=\"submit\" id=\"apply\">Apply</button></form>");
        }
        html.Append("<form method=\"post\" action=\"/checkout/").Append(E(id)).Append("/pay\" id=\"payment\">");
        // The person sees their e-mail (the session's customer_email, else the customer's), never an id; without one the page
        // asks, as Stripe's does. For an existing customer the field may stay empty (tests that only click "Pay" still pay).
        var knownEmail = session["customer_email"]?.GetValue<string>()
            ?? (session["customer"]?.GetValue<string>() is { } customerId ? tx.Find(Customers.CustomerResource.Type, customerId)?["email"]?.GetValue<string>() : null);
        if (knownEmail is null)
        {
            html.Append("<p><label for=\"email\">Email</label><br><input id=\"email\" name=\"email\" type=\"email\"")
                .Append(session["customer"] is null ? " required" : string.Empty).Append("></p>");
        }
        else
        {
            html.Append("<p>Email: <span id=\"email\">").Append(E(knownEmail)).Append("</span></p>");
        }
        html.Append("<p><label for=\"name\">Name on card</label><br><input id=\"name\" name=\"name\"></p>");
        CardChoice(html);
        html.Append("<button type=\"submit\" id=\"pay\">").Append(session["mode"]!.GetValue<string>() == "subscription" ? "Subscribe" : "Pay").Append("</button></form>");
        if (session["cancel_url"]?.GetValue<string>() is { } cancelUrl)
        {
            html.Append("<p><a id=\"cancel\" href=\"").Append(E(cancelUrl)).Append("\">Back</a></p>");
        }
        return html.Append("</body></html>").ToString();
    }

    private static string RenderInvoice(JsonObject invoice, string? error)
    {
        var id = invoice["id"]!.GetValue<string>();
        var html = Page("Invoice").Append("<h1>Invoice <span id=\"number\">").Append(E(invoice["number"]?.GetValue<string>())).Append("</span></h1>");
        if (error is not null)
        {
            html.Append("<p class=\"error\" id=\"error\" role=\"alert\">").Append(E(error)).Append("</p>");
        }
        html.Append("<p>Status: <span id=\"status\">").Append(E(invoice["status"]!.GetValue<string>())).Append("</span></p><table id=\"lines\">");
        foreach (var line in ((JsonArray)invoice["lines"]!["data"]!).Select(l => (JsonObject)l!))
        {
            html.Append("<tr><td>").Append(E(line["description"]?.GetValue<string>())).Append("</td><td class=\"amount\">")
                .Append(E(Money(line["amount"], line["currency"]))).Append("</td></tr>");
        }
        html.Append("</table><p><strong>Amount due: <span id=\"amount_due\">").Append(E(Money(invoice["amount_remaining"], invoice["currency"]))).Append("</span></strong></p>");
        if (invoice["status"]!.GetValue<string>() == "open")
        {
            html.Append("<form method=\"post\" action=\"/invoice/").Append(E(id)).Append("/pay\" id=\"payment\">");
            CardChoice(html);
            html.Append("<button type=\"submit\" id=\"pay\">Pay</button></form>");
        }
        return html.Append("</body></html>").ToString();
    }

    private static string RenderAuthentication(JsonObject invoice, string? returnTo)
    {
        var id = invoice["id"]!.GetValue<string>();
        var html = Page("Authenticate").Append("<h1>Authenticate this payment</h1><p>Your bank asks you to confirm ")
            .Append(E(Money(invoice["amount_remaining"], invoice["currency"]))).Append(" (3D Secure, emulated).</p>");
        foreach (var (action, label) in new[] { ("complete", "Complete authentication"), ("fail", "Fail authentication") })
        {
            html.Append("<form method=\"post\" action=\"/invoice/").Append(E(id)).Append("/authenticate\" style=\"display:inline\">")
                .Append("<input type=\"hidden\" name=\"action\" value=\"").Append(action).Append("\">")
                .Append("<input type=\"hidden\" name=\"return_to\" value=\"").Append(E(returnTo)).Append("\">")
                .Append("<button type=\"submit\" id=\"").Append(action).Append("\">").Append(label).Append("</button></form> ");
        }
        return html.Append("</body></html>").ToString();
    }
}
