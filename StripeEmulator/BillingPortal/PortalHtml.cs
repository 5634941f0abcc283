using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Checkout;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary>The portal's HTML: element ids are stable, so tests and browser scripts can find what they click.</summary>
internal static class PortalHtml
{
    private static string E(string? text) => HostedPages.E(text);

    private static string Money(long amount, string currency) => SubscriptionEngine.Money(amount, currency);

    private static string Date(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    private static StringBuilder Start(PortalActions.Context? context, string title)
    {
        var headline = context?.Configuration["business_profile"]?["headline"]?.GetValue<string>();
        return HostedPages.Page(title).Append("<h1>").Append(E(string.IsNullOrEmpty(headline) ? "Customer portal" : headline)).Append("</h1>");
    }

    private static string End(StringBuilder html, PortalActions.Context context, bool homeLink = true)
    {
        if (homeLink)
        {
            html.Append("<p><a id=\"home\" href=\"/p/session/").Append(E(context.Id)).Append("\">Portal home</a></p>");
        }
        if (context.Session["return_url"]?.GetValue<string>() is { } returnUrl)
        {
            html.Append("<p><a id=\"return\" href=\"").Append(E(returnUrl)).Append("\">Return to ")
                .Append(E(Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri) ? uri.Host : returnUrl)).Append("</a></p>");
        }
        return html.Append("</body></html>").ToString();
    }

    private static string PriceText(JsonObject price)
    {
        var recurring = price["recurring"];
        var count = recurring?["interval_count"]?.GetValue<long>() ?? 1;
        var interval = recurring?["interval"]?.GetValue<string>();
        var every = interval is null ? string.Empty : count == 1 ? $" / {interval}" : $" every {count} {interval}s";
        return Money(price["unit_amount"]?.GetValue<long>() ?? 0, price["currency"]!.GetValue<string>()) + every;
    }

    private static string ProductName(StoreTransaction tx, JsonObject price) =>
        tx.Find(ProductResource.Type, price["product"]!.GetValue<string>())?["name"]?.GetValue<string>() ?? price["product"]!.GetValue<string>();

    public static string Refusal(string sessionId, string message) =>
        HostedPages.Page("Customer portal").Append("<h1>Customer portal</h1><p class=\"error\" id=\"error\" role=\"alert\">").Append(E(message))
            .Append("</p><p><a id=\"home\" href=\"/p/session/").Append(E(sessionId)).Append("\">Portal home</a></p></body></html>").ToString();

    public static string Home(StoreTransaction tx, PortalActions.Context context)
    {
        var html = Start(context, "Customer portal");
        html.Append("<p>Signed in as <span id=\"customer\" data-id=\"").Append(E(context.CustomerId)).Append("\">")
            .Append(E(context.Customer["email"]?.GetValue<string>() ?? context.CustomerId)).Append("</span></p>")
            .Append("<p hidden>Configuration <code id=\"configuration\">").Append(E(context.Configuration["id"]!.GetValue<string>())).Append("</code></p>");

        html.Append("<h2>Subscriptions</h2>");
        var subscriptions = PortalActions.Subscriptions(tx, context.CustomerId);
        if (subscriptions.Count == 0)
        {
            html.Append("<p id=\"no-subscription\">No current subscription.</p>");
        }
        foreach (var subscription in subscriptions)
        {
            var subscriptionId = subscription["id"]!.GetValue<string>();
            var item = SubscriptionResource.Items(subscription).First();
            var price = (JsonObject)item["price"]!;
            var status = subscription["status"]!.GetValue<string>();
            var periodEnd = item["current_period_end"]!.GetValue<long>();
            html.Append("<section class=\"subscription\" id=\"subscription-").Append(E(subscriptionId)).Append("\" data-status=\"").Append(E(status)).Append("\">")
                .Append("<p><strong class=\"plan\">").Append(E(ProductName(tx, price))).Append("</strong> <span class=\"price\" data-price=\"").Append(E(price["id"]!.GetValue<string>())).Append("\">")
                .Append(E(PriceText(price))).Append("</span>").Append(item["quantity"]!.GetValue<long>() == 1 ? string.Empty : $" × {item["quantity"]}").Append("</p>")
                .Append("<p>Status: <span class=\"status\">").Append(E(status)).Append("</span></p>");
            if (subscription["default_payment_method"]?.GetValue<string>() is { } ownCard && tx.Find(PaymentMethodResource.Type, ownCard) is { } own)
            {
                html.Append("<p>Pays with <span class=\"payment-method\">").Append(E(PaymentMethodResource.Describe(own))).Append("</span></p>");
            }
            if (subscription["cancel_at"]?.GetValue<long>() is { } cancelAt)
            {
                html.Append("<p class=\"canceling\">Cancels on ").Append(E(Date(cancelAt))).Append("</p>");
            }
            else if (status == "trialing" && subscription["trial_end"]?.GetValue<long>() is { } trialEnd)
            {
                html.Append("<p>Trial ends on ").Append(E(Date(trialEnd))).Append("</p>");
            }
            else
            {
                html.Append("<p>Renews on ").Append(E(Date(periodEnd))).Append("</p>");
            }
            var base_ = $"/p/session/{context.Id}/subscriptions/{subscriptionId}";
            if (context.Enabled("subscription_update"))
            {
                html.Append("<p><a class=\"update-plan\" href=\"").Append(E(base_)).Append("/update\">Update plan</a></p>");
            }
            if (context.Enabled("subscription_cancel") && subscription["cancel_at"] is null)
            {
                html.Append("<p><a class=\"cancel-subscription\" href=\"").Append(E(base_)).Append("/cancel\">Cancel subscription</a></p>");
            }
            html.Append("</section>");
        }

        html.Append("<h2>Payment method</h2>");
        // The customer's default card, else the one its subscriptions pay with: Checkout makes the card the
        // subscription's default_payment_method, not the customer's.
        var defaultPm = context.Customer["invoice_settings"]?["default_payment_method"]?.GetValue<string>()
            ?? subscriptions.Select(s => s["default_payment_method"]?.GetValue<string>()).FirstOrDefault(id => id is not null);
        var paymentMethod = defaultPm is null ? null : tx.Find(PaymentMethodResource.Type, defaultPm);
        var card = paymentMethod?["card"];
        html.Append("<p id=\"payment-method\">").Append(paymentMethod is null || card is null
            ? "No default payment method."
            : E($"{PaymentMethodResource.Describe(paymentMethod)}, expires {card["exp_month"]}/{card["exp_year"]}")).Append("</p>");
        if (context.Enabled("payment_method_update"))
        {
            html.Append("<p><a id=\"update-payment-method\" href=\"/p/session/").Append(E(context.Id)).Append("/payment_method\">")
                .Append(card is null ? "Add payment method" : "Update payment method").Append("</a></p>");
        }

        if (context.Enabled("invoice_history"))
        {
            html.Append("<h2>Invoice history</h2><table id=\"invoices\">");
            var invoices = tx.All(InvoiceEngine.Type)
                .Where(i => i.Data["customer"]?.GetValue<string>() == context.CustomerId && i.Data["status"]?.GetValue<string>() is "open" or "paid" or "uncollectible" or "void")
                .OrderByDescending(i => i.Sequence)
                .Select(i => i.Data);
            foreach (var invoice in invoices)
            {
                html.Append("<tr class=\"invoice\" data-id=\"").Append(E(invoice["id"]!.GetValue<string>())).Append("\"><td>")
                    .Append(E(Date(invoice["created"]!.GetValue<long>()))).Append("</td><td class=\"amount\">")
                    .Append(E(Money(invoice["total"]!.GetValue<long>(), invoice["currency"]!.GetValue<string>()))).Append("</td><td class=\"status\">")
                    .Append(E(invoice["status"]!.GetValue<string>())).Append("</td><td><a href=\"")
                    .Append(E(invoice["hosted_invoice_url"]?.GetValue<string>())).Append("\">").Append(E(invoice["number"]?.GetValue<string>() ?? "View")).Append("</a></td></tr>");
            }
            html.Append("</table>");
        }
        return End(html, context, homeLink: false);
    }

    public static string Plans(StoreTransaction tx, PortalActions.Context context, JsonObject subscription)
    {
        var subscriptionId = subscription["id"]!.GetValue<string>();
        var current = SubscriptionResource.Items(subscription).First()["price"]!["id"]!.GetValue<string>();
        var html = Start(context, "Update plan").Append("<h2>Update plan</h2>")
            .Append("<form method=\"get\" action=\"/p/session/").Append(E(context.Id)).Append("/subscriptions/").Append(E(subscriptionId)).Append("/update/confirm\" id=\"plans\">");
        foreach (var product in ((JsonArray?)context.Feature("subscription_update")["products"] ?? []).Select(p => (JsonObject)p!))
        {
            foreach (var priceId in SubscriptionEngine.Strings(product["prices"]))
            {
                if (tx.Find(Catalog.Prices.PriceResource.Type, priceId) is not { } price || price["active"]?.GetValue<bool>() != true)
                {
                    continue;
                }
                var isCurrent = priceId == current;
                html.Append("<p><label><input type=\"radio\" name=\"price\" value=\"").Append(E(priceId)).Append('"').Append(isCurrent ? " disabled" : string.Empty).Append("> ")
                    .Append(E(ProductName(tx, price))).Append(" — ").Append(E(PriceText(price))).Append(isCurrent ? " (current plan)" : string.Empty).Append("</label></p>");
            }
        }
        html.Append("<button type=\"submit\" id=\"continue\">Continue</button></form>");
        return End(html, context);
    }

    public static string Confirm(StoreTransaction tx, PortalActions.Context context, PortalActions.PlanChange change, JsonObject preview)
    {
        var currency = preview["currency"]!.GetValue<string>();
        var oldPrice = (JsonObject)change.Item["price"]!;
        var html = Start(context, "Confirm your new plan").Append("<h2>Confirm your new plan</h2>")
            .Append("<p>From <span id=\"from\">").Append(E(ProductName(tx, oldPrice))).Append(" — ").Append(E(PriceText(oldPrice))).Append("</span><br>")
            .Append("to <span id=\"to\" data-price=\"").Append(E(change.Price["id"]!.GetValue<string>())).Append("\">").Append(E(ProductName(tx, change.Price))).Append(" — ")
            .Append(E(PriceText(change.Price))).Append(change.Quantity == 1 ? string.Empty : $" × {change.Quantity}").Append("</span></p><table id=\"lines\">");
        foreach (var line in ((JsonArray)preview["lines"]!["data"]!).Select(l => (JsonObject)l!))
        {
            html.Append("<tr><td>").Append(E(line["description"]?.GetValue<string>())).Append("</td><td class=\"amount\">")
                .Append(E(Money(line["amount"]!.GetValue<long>(), currency))).Append("</td></tr>");
        }
        html.Append("</table>");
        var upcoming = preview["id"]!.GetValue<string>().StartsWith("upcoming_", StringComparison.Ordinal);
        var total = preview["amount_due"]!.GetValue<long>();
        html.Append(upcoming
            ? $"<p>Nothing is charged now. Next invoice on {E(Date(preview["next_payment_attempt"]?.GetValue<long>() ?? preview["period_end"]!.GetValue<long>()))}: <strong id=\"next_total\">{E(Money(total, currency))}</strong></p>"
            : $"<p><strong>Amount due today: <span id=\"due_today\">{E(Money(total, currency))}</span></strong></p>");
        html.Append("<form method=\"post\" action=\"/p/session/").Append(E(context.Id)).Append("/subscriptions/").Append(E(change.SubscriptionId)).Append("/update\" id=\"confirm-form\">")
            .Append("<input type=\"hidden\" name=\"price\" value=\"").Append(E(change.Price["id"]!.GetValue<string>())).Append("\">")
            .Append("<input type=\"hidden\" name=\"quantity\" value=\"").Append(change.Quantity).Append("\">")
            .Append("<button type=\"submit\" id=\"confirm\">Confirm</button></form>");
        return End(html, context);
    }

    public static string Cancel(StoreTransaction tx, PortalActions.Context context, JsonObject subscription)
    {
        var subscriptionId = subscription["id"]!.GetValue<string>();
        var feature = context.Feature("subscription_cancel");
        var item = SubscriptionResource.Items(subscription).First();
        var immediately = feature["mode"]?.GetValue<string>() == "immediately";
        var until = subscription["status"]!.GetValue<string>() == "trialing" && subscription["trial_end"]?.GetValue<long>() is { } trialEnd
            ? trialEnd
            : item["current_period_end"]!.GetValue<long>();
        var html = Start(context, "Cancel your plan").Append("<h2>Cancel your plan</h2><p id=\"cancel-effect\">")
            .Append(E(immediately
                ? $"Your {ProductName(tx, (JsonObject)item["price"]!)} subscription ends now."
                : $"Your {ProductName(tx, (JsonObject)item["price"]!)} subscription stays available until {Date(until)}, then ends."))
            .Append("</p><form method=\"post\" action=\"/p/session/").Append(E(context.Id)).Append("/subscriptions/").Append(E(subscriptionId)).Append("/cancel\" id=\"cancel-form\">");
        var reason = (JsonObject)feature["cancellation_reason"]!;
        if (reason["enabled"]?.GetValue<bool>() == true)
        {
            html.Append("<p><label for=\"feedback\">Why are you canceling?</label><br><select id=\"feedback\" name=\"feedback\"><option value=\"\">(no answer)</option>");
            foreach (var option in SubscriptionEngine.Strings(reason["options"]))
            {
                html.Append("<option value=\"").Append(E(option)).Append("\">").Append(E(option.Replace('_', ' '))).Append("</option>");
            }
            html.Append("</select></p><p><label for=\"comment\">Anything else?</label><br><textarea id=\"comment\" name=\"comment\" maxlength=\"5000\"></textarea></p>");
        }
        html.Append("<button type=\"submit\" id=\"confirm-cancel\">Cancel subscription</button></form>");
        return End(html, context);
    }

    public static string PaymentMethod(PortalActions.Context context)
    {
        var html = Start(context, "Update payment method").Append("<h2>Update payment method</h2>")
            .Append("<form method=\"post\" action=\"/p/session/").Append(E(context.Id)).Append("/payment_method\" id=\"payment-method-form\">");
        HostedPages.CardChoice(html);
        html.Append("<button type=\"submit\" id=\"save-card\">Save</button></form>");
        return End(html, context);
    }

    public static string Done(PortalActions.Context context)
    {
        var message = context.Flow?["after_completion"]?["hosted_confirmation"]?["custom_message"]?.GetValue<string>();
        var html = Start(context, "Done").Append("<p id=\"confirmation\">").Append(E(string.IsNullOrEmpty(message) ? "Your changes are saved." : message)).Append("</p>");
        return End(html, context);
    }
}
