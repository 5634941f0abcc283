using System.Net;
using Microsoft.Extensions.Logging;
using Stripe;
using Yapit.Billing.Subscriptions;

namespace Yapit.Billing.Checkout;

/// <summary>
/// Each user's one Stripe customer: reused on every checkout, created (with the user id in its metadata) when the user
/// has none, and replaced when Stripe deleted it, whether or not <c>customer.deleted</c> has been processed yet.
/// </summary>
public sealed class StripeCustomers(IStripeClient stripe, SubscriptionStore store, ILogger<StripeCustomers> logger)
{
    private readonly CustomerService _customers = new(stripe);

    /// <summary>The user's Stripe customer as it lives in Stripe now; <paramref name="idempotencyKey"/> keys the creation of a new one.</summary>
    public async Task<string> EnsureAsync(string userId, string idempotencyKey, ChangeReason reason, CancellationToken cancellationToken)
    {
        if (await store.FindCustomerAsync(userId, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (await ExistsAsync(existing, cancellationToken).ConfigureAwait(false))
            {
                return existing;
            }
            logger.LogInformation("Stripe customer {CustomerId} of user {UserId} was deleted in Stripe; a new one replaces it", existing, userId);
            await store.MarkCustomerDeletedAsync(existing, reason, cancellationToken).ConfigureAwait(false);
        }
        var created = await _customers.CreateAsync(new CustomerCreateOptions
        {
            Metadata = new Dictionary<string, string> { ["user_id"] = userId },
        }, new RequestOptions { IdempotencyKey = $"customer-{userId}-{idempotencyKey}" }, cancellationToken).ConfigureAwait(false);
        await store.LinkCustomerAsync(userId, created.Id, reason, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Created Stripe customer {CustomerId} for user {UserId}", created.Id, userId);
        return created.Id;
    }

    /// <summary>Stripe answers a deleted customer with <c>deleted: true</c> (or, for one it no longer knows, 404).</summary>
    public async Task<bool> ExistsAsync(string customerId, CancellationToken cancellationToken)
    {
        try
        {
            var customer = await _customers.GetAsync(customerId, cancellationToken: cancellationToken).ConfigureAwait(false);
            return customer.Deleted is not true;
        }
        catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
