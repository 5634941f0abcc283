using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Events;

/// <summary><c>/v1/events</c>: what happened in the last 30 days, newest first.</summary>
public static class EventsApi
{
    public static ResourceDefinition Definition { get; } = new() { Type = EventTypes.ObjectType, Noun = "event" };

    private static readonly ObjectParam ListSchema = RequestSchema.List(
        ("created", P.Range),
        ("delivery_success", P.Boolean),
        ("type", P.String),
        ("types", P.Array(P.String) with { MaxItems = 20 }));

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStripeGroup("/v1/events");
        api.MapGet("", ListEvents);
        api.MapGet("/{id}", RetrieveEvent);
        return app;
    }

    public static IResult RetrieveEvent(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx =>
        {
            var found = tx.Current(EventTypes.ObjectType, id);
            return found is not null && IsRetained(found, tx.Now)
                ? request.Respond(tx, found.Data)
                : throw StripeErrors.ResourceMissing("event", id);
        });
    }

    public static IResult ListEvents(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(ListSchema);
        if (parameters.Has("type") && parameters.Has("types"))
        {
            throw StripeErrors.ParametersExclusive("type", "types");
        }
        return store.Read(tx => ListPage.Respond(tx, request, parameters, EventTypes.ObjectType, "/v1/events", e => IsRetained(e, store.Time.GetUtcNow()) && Matches(e, parameters)));
    }

    private static bool IsRetained(StoredObject stripeEvent, DateTimeOffset now) =>
        stripeEvent.RetainedFrom >= (now - StripeStore.EventRetention).ToUnixTimeSeconds();

    private static bool Matches(StoredObject stripeEvent, Params filters)
    {
        var type = stripeEvent.Data["type"]!.GetValue<string>();
        return RangeParam.Matches(filters["created"], stripeEvent.Created)
            && (filters.String("type") is not { } pattern || EventTypes.MatchesPattern(pattern, type))
            && (filters.Strings("types") is not { } types || types.Contains(type, StringComparer.Ordinal))
            && (filters.Bool("delivery_success") is not { } delivered || (stripeEvent.Data["pending_webhooks"]!.GetValue<long>() == 0) == delivered);
    }
}
