using System.Text.Json;
using Yapit.Billing.Catalog;
using Yapit.Billing.Plans;
using Yapit.StripeApi;
using Yapit.StripeApi.Errors;
using Yapit.StripeApi.Resources.Prices;
using Yapit.StripeApi.Resources.Products;
using Yapit.StripeApi.Webhooks;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// Catalog events (products, prices, coupons, promotion codes, portal configurations). When Stripe's state
/// contradicts the plans table (a plan's price deactivated, its lookup key moved, its product archived) outside
/// stripe-setup, that plan interval is marked unavailable so the gateway stops selling it, with a warning saying to
/// re-run setup; when Stripe agrees again, it is marked available. Decisions come from the objects re-read from
/// Stripe, never from the event's snapshot, so order and duplicates do not matter.
/// </summary>
public sealed class CatalogEventHandler(StripeClient stripe, PlanAvailabilityStore plans, ILogger<CatalogEventHandler> logger) : IStripeEventHandler
{
    public async Task HandleAsync(StripeEvent stripeEvent, CancellationToken cancellationToken)
    {
        var bySetup = CatalogMarkers.IsFromStripeSetup(stripeEvent.Request?.IdempotencyKey);
        var (priceIds, lookupKeys, productIds) = Mentions(stripeEvent);
        if (priceIds.Count == 0 && productIds.Count == 0)
        {
            if (!bySetup && stripeEvent.Type.EndsWith(".updated", StringComparison.Ordinal) && IsManaged(stripeEvent.Data.Object))
            {
                logger.LogWarning("{ObjectType} {ObjectId} managed by the catalog was changed outside stripe-setup ({EventType}, {EventId}); re-run stripe-setup apply to restore it",
                    stripeEvent.ObjectType, stripeEvent.ObjectId, stripeEvent.Type, stripeEvent.Id);
            }
            return;
        }

        var intervals = await plans.FindAsync(priceIds, lookupKeys, productIds, cancellationToken).ConfigureAwait(false);
        foreach (var found in intervals.Where(i => i.PlanActive))
        {
            // Decided under the plan row's lock, from the row as it is now and Stripe as it is now.
            var (changed, interval, reason) = await plans.EvaluateAsync(found.Tier, found.Interval,
                current => ContradictionAsync(current, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (!changed)
            {
                continue;
            }
            if (reason is null)
            {
                logger.LogInformation("Plan {Tier} ({Interval}) is available again: price {PriceId} agrees with the plans table (event {EventId})",
                    interval!.Tier, interval.Interval, interval.PriceId, stripeEvent.Id);
            }
            else
            {
                logger.LogWarning("Plan {Tier} ({Interval}) is no longer sold: {Reason} (event {EventId}, {Origin}). Re-run stripe-setup apply to put the catalog back",
                    interval!.Tier, interval.Interval, reason, stripeEvent.Id, bySetup ? "by stripe-setup" : "outside stripe-setup");
            }
        }
    }

    /// <summary>Why Stripe's current state contradicts the plan interval, or null when it agrees.</summary>
    private async Task<string?> ContradictionAsync(PlanInterval interval, CancellationToken cancellationToken)
    {
        if (interval.PriceId is null)
        {
            return "the plans table has no Stripe price for it";
        }
        Price price;
        try
        {
            price = await stripe.Prices.GetAsync(interval.PriceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException error) when (error.IsResourceMissing)
        {
            return $"price {interval.PriceId} no longer exists in Stripe";
        }
        if (!price.Active)
        {
            return $"price {price.Id} is inactive in Stripe";
        }
        if (price.LookupKey != interval.LookupKey)
        {
            return $"lookup key '{interval.LookupKey}' is no longer on price {price.Id} (it has {(price.LookupKey is null ? "none" : $"'{price.LookupKey}'")})";
        }
        var productId = price.Product?.Id ?? interval.ProductId;
        if (productId is not null)
        {
            Product? product;
            try
            {
                product = await stripe.Products.GetAsync(productId, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (StripeException error) when (error.IsResourceMissing)
            {
                product = null;
            }
            if (product is not { Active: true })
            {
                return $"product {productId} is {(product is null ? "gone" : "archived")} in Stripe";
            }
        }
        return null;
    }

    /// <summary>The price ids, lookup keys (now and before the event) and product ids the event is about.</summary>
    private static (List<string> PriceIds, List<string> LookupKeys, List<string> ProductIds) Mentions(StripeEvent stripeEvent)
    {
        var priceIds = new List<string>();
        var lookupKeys = new List<string>();
        var productIds = new List<string>();
        var obj = stripeEvent.Data.Object;
        switch (stripeEvent.ObjectType)
        {
            case "price":
                priceIds.Add(stripeEvent.ObjectId!);
                AddString(obj, "lookup_key", lookupKeys);
                if (stripeEvent.Data.PreviousAttributes is { ValueKind: JsonValueKind.Object } previous)
                {
                    AddString(previous, "lookup_key", lookupKeys);
                }
                break;
            case "product":
                productIds.Add(stripeEvent.ObjectId!);
                break;
        }
        return (priceIds, lookupKeys, productIds);
    }

    private static void AddString(JsonElement element, string property, List<string> into)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String)
        {
            into.Add(value.GetString()!);
        }
    }

    private static bool IsManaged(JsonElement obj) =>
        obj.ValueKind == JsonValueKind.Object
        && obj.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty(CatalogMarkers.ManagedByKey, out var managed) && managed.GetString() == CatalogMarkers.ManagedByValue;
}
