using System.Text.Json;
using Stripe;

namespace Yapit.Tests.Infrastructure;

/// <summary>Short reads of Stripe.net objects that tests repeat (Stripe.net keeps them typed but nested).</summary>
public static class StripeNetTestExtensions
{
    extension(Event stripeEvent)
    {
        /// <summary><c>data.object.id</c>.</summary>
        public string? ObjectId => (stripeEvent.Data?.Object as IHasId)?.Id;

        /// <summary><c>data.object.object</c> (e.g. "price").</summary>
        public string? ObjectType => stripeEvent.Data?.Object?.Object;

        /// <summary><c>data.previous_attributes</c> as sent (Stripe.net types it <c>dynamic</c>), or null.</summary>
        public JsonElement? PreviousAttributesJson =>
            stripeEvent.RawJsonElement is { } raw && raw.TryGetProperty("data", out var data)
            && data.TryGetProperty("previous_attributes", out var previous) && previous.ValueKind == JsonValueKind.Object
                ? previous
                : null;
    }

    extension(StripeException error)
    {
        /// <summary>Stripe's error code (<c>error.code</c>), e.g. <c>resource_missing</c>.</summary>
        public string? Code => error.StripeError?.Code;

        public int HttpStatus => (int)error.HttpStatusCode;
    }
}
