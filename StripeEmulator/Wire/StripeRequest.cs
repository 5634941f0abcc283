using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Wire;

/// <summary>
/// One authenticated Stripe API request, prepared by <see cref="StripeApiMiddleware"/>: its id, key, idempotency
/// key and parsed form. Endpoint handlers take it as a parameter and bind it against their schema.
/// </summary>
public sealed class StripeRequest
{
    internal StripeRequest(HttpContext http, string requestId, string apiKey, string? idempotencyKey, FormNode form)
    {
        Http = http;
        RequestId = requestId;
        ApiKey = apiKey;
        IdempotencyKey = idempotencyKey;
        Form = form;
    }

    public HttpContext Http { get; }
    public string RequestId { get; }
    public string ApiKey { get; }
    public string? IdempotencyKey { get; }
    public FormNode Form { get; }

    /// <summary>The <c>expand</c> paths, known once <see cref="Bind"/> ran.</summary>
    public IReadOnlyList<string> Expand { get; private set; } = [];

    /// <summary>Who caused the changes this request makes, for the events' <c>request</c> field.</summary>
    public RequestInfo Info => new(RequestId, IdempotencyKey) { BaseUrl = BaseUrl };

    /// <summary>Where the emulator was reached, for URLs it hands out (portal sessions).</summary>
    public string BaseUrl => $"{Http.Request.Scheme}://{Http.Request.Host}";

    /// <summary>Minimal APIs bind a handler's <see cref="StripeRequest"/> parameter through this.</summary>
    public static ValueTask<StripeRequest?> BindAsync(HttpContext context) => ValueTask.FromResult(context.Features.Get<StripeRequest>());

    /// <summary>Validates the form against the endpoint's schema (unknown, missing and malformed parameters are refused).</summary>
    public Params Bind(ObjectParam schema)
    {
        var bound = (JsonObject)schema.Bind(Form, string.Empty)!;
        if (bound[RequestSchema.Expand] is JsonArray expand)
        {
            Expand = expand.Select(path => path!.GetValue<string>()).Distinct(StringComparer.Ordinal).ToArray();
            bound.Remove(RequestSchema.Expand);
        }
        return new Params(bound);
    }

    /// <summary>The object as the API returns it, with this request's expansions.</summary>
    public IResult Respond(StoreTransaction transaction, JsonObject stored) =>
        StripeResults.Json(ObjectRenderer.Render(transaction, stored, Expand));
}
