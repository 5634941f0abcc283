using Stripe;

namespace Yapit.Billing.Subscriptions;

/// <summary>
/// Finds a subscription payment waiting for the customer (3-D Secure): its latest invoice is open and the invoice's
/// open payment's PaymentIntent is <c>requires_action</c>. The customer finishes it on the invoice's hosted page,
/// which the gateway returns as the action URL. Stripe's subscription status alone cannot tell this from a decline.
/// </summary>
public static class PaymentActions
{
    /// <summary>The hosted invoice URL that finishes the payment, or null when no payment waits for authentication.</summary>
    public static async Task<string?> PendingActionUrlAsync(IStripeClient stripe, Subscription subscription, CancellationToken cancellationToken)
    {
        if (subscription.Status is not (SubscriptionStatus.Incomplete or SubscriptionStatus.PastDue) || subscription.LatestInvoiceId is not { } invoiceId)
        {
            return null;
        }
        var invoice = await new InvoiceService(stripe).GetAsync(invoiceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (invoice.Status != "open" || invoice.HostedInvoiceUrl is null)
        {
            return null;
        }
        var payments = await new InvoicePaymentService(stripe).ListAsync(new InvoicePaymentListOptions { Invoice = invoiceId, Status = "open", Limit = 10 },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var payment in payments.Data)
        {
            if (payment.Payment?.PaymentIntentId is { } intentId
                && (await new PaymentIntentService(stripe).GetAsync(intentId, cancellationToken: cancellationToken).ConfigureAwait(false)).Status == "requires_action")
            {
                return invoice.HostedInvoiceUrl;
            }
        }
        return null;
    }
}
