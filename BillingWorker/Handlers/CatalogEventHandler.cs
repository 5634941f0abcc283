using System.Text.Json;
using Stripe;
using Yapit.Billing.Catalog;
using Yapit.Billing.Plans;

namespace Yapit.BillingWorker.Handlers;

/// <summary>
/// Catalog events (products, prices, coupons, promotion codes, portal configurations). When Stripe's state
/// contradicts the plans table (a plan's price deactivated, its lookup key moved, its product archived) outside
/// stripe-setup, that plan interval is marked unavailable so the gateway stops selling it, with a warning saying to
/// re-run setup; when Stripe agrees again, it is marked available. Decisions come from the objects re-read from
/// Stripe, never from the event's snapshot, so order and duplicates do not matter.
/// </summary>
public sealed class CatalogEventHandler(IStripeClient stripe, PlanAvailabilityStore plans, ILogger<CatalogEventHandler> logger) : IStripeEventHandler
{
    private readonly PriceService _prices = new(stripe);
    private readonly ProductService _products = new(stripe);

    /// <summary>Only ids, lookup keys, metadata and the request's idempotency key are read; the rest is re-read from Stripe.</summary>
    public bool ReadsAnyApiVersion => true;

    private static readonly string[] ProductEventTypes = ["product.created", "product.updated", "product.deleted"];

    /// <summary>
    /// A product event is only its id, and the plans it names are decided from Stripe re-read now: one run handles all
    /// of a product's pending events. A price event also names the lookup key it had before, so each is handled.
    /// </summary>
    public IReadOnlyCollection<string> HandledAlike(Event handled) =>
        handled.Type.StartsWith("product.", StringComparison.Ordinal) ? ProductEventTypes : [];

    public async Task HandleAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        var bySetup = CatalogMarkers.IsFromStripeSetup(stripeEvent.Request?.IdempotencyKey);
        var (priceIds, lookupKeys, productIds) = Mentions(stripeEvent);
        if (priceIds.Count == 0 && productIds.Count == 0)
        {
            if (!bySetup && stripeEvent.Type.EndsWith(".updated", StringComparison.Ordinal) && IsManaged(stripeEvent.Data.Object))
            {
                logger.LogWarning("{ObjectType} {ObjectId} managed by the catalog was changed outside stripe-setup ({EventType}, {EventId}); re-run stripe-setup apply to restore it",
                    stripeEvent.Data.Object?.Object, (stripeEvent.Data.Object as IHasId)?.Id, stripeEvent.Type, stripeEvent.Id);
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
            price = await _prices.GetAsync(interval.PriceId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException error) when (IsResourceMissing(error))
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
        var productId = price.ProductId ?? interval.ProductId;
        if (productId is not null)
        {
            Product? product;
            try
            {
                product = await _products.GetAsync(productId, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (StripeException error) when (IsResourceMissing(error))
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

    private static bool IsResourceMissing(StripeException error) => error.StripeError?.Code == "resource_missing";

    /// <summary>The price ids, lookup keys (now and before the event) and product ids the event is about.</summary>
    private static (List<string> PriceIds, List<string> LookupKeys, List<string> ProductIds) Mentions(Event stripeEvent)
    {
        var priceIds = new List<string>();
        var lookupKeys = new List<string>();
        var productIds = new List<string>();
        switch (stripeEvent.Data.Object)
        {
            case Price price:
                priceIds.Add(price.Id);
                if (price.LookupKey is { } lookupKey)
                {
                    lookupKeys.Add(lookupKey);
                }
                // previous_attributes is untyped in every SDK: read from the event's raw JSON.
                if (stripeEvent.RawJsonElement is { } raw
                    && raw.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                    && data.TryGetProperty("previous_attributes", out var previous) && previous.ValueKind == JsonValueKind.Object
                    && previous.TryGetProperty("lookup_key", out var before) && before.ValueKind == JsonValueKind.String)
                {
                    lookupKeys.Add(before.GetString()!);
                }
                break;
            case Product product:
                productIds.Add(product.Id);
                break;
        }
        return (priceIds, lookupKeys, productIds);
    }

    private static bool IsManaged(IHasObject? obj) =>
        obj is IHasMetadata { Metadata: { } metadata }
        && metadata.TryGetValue(CatalogMarkers.ManagedByKey, out var managed) && managed == CatalogMarkers.ManagedByValue;
}
