using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Resources;

/// <summary>What an operation's rule gets: the store transaction, the bound parameters, the URL's id, the request.</summary>
public sealed record Call(StoreTransaction Tx, Params Params, string Id, StripeRequest Request)
{
    /// <summary>Where the emulator was reached, for URLs it hands out (hosted pages).</summary>
    public string BaseUrl => Request.BaseUrl;

    /// <summary>
    /// An error to answer with after the transaction commits: Stripe keeps a failed payment attempt (its events, the
    /// attempt count) and still answers 402.
    /// </summary>
    public StripeErrorException? FailAfterCommit { get; set; }

    /// <summary>The second id of a nested route (<c>/{id}/balance_transactions/{item}</c>), else null.</summary>
    public string? Item { get; init; }
}

/// <summary>An operation beyond the standard five: <c>POST /v1/subscriptions/{id}/resume</c> and the like.</summary>
/// <param name="Path">Relative to the resource's path, e.g. <c>/{id}/resume</c> or <c>/create_preview</c>.</param>
/// <param name="Writes">Whether it changes the store (runs in a write transaction, emits events).</param>
/// <param name="Run">The rule; returns the object to respond with (rendered with the request's expansions), or a
/// list envelope from <see cref="ListPage.Of"/>.</param>
public sealed record ResourceAction(string Method, string Path, ObjectParam Schema, bool Writes, Func<Call, JsonObject> Run);

/// <summary>
/// One Stripe resource as the API serves it: its definition, where it lives, and for each standard operation the
/// schema and the rule. The routes, binding, transactions, expansion, paging, list filters and search are the same
/// for every resource and live here (<see cref="MapResource"/>), so a resource's folder holds only its particulars:
/// its schemas, its rules and the events they emit.
/// </summary>
public sealed class ResourceApi
{
    public required ResourceDefinition Definition { get; init; }

    /// <summary>The collection's path, e.g. <c>/v1/products</c>.</summary>
    public required string Path { get; init; }

    public (ObjectParam Schema, Func<Call, JsonObject> Run)? Create { get; init; }

    /// <summary>Whether <c>GET {path}/{id}</c> exists (true for almost every resource).</summary>
    public bool Retrieve { get; init; } = true;

    /// <summary>Reads an object by id; by default the stored object (or a built-in one) or Stripe's 404.</summary>
    public Func<StoreTransaction, string, JsonObject?>? Find { get; init; }

    public (ObjectParam Schema, Func<Call, JsonObject> Run)? Update { get; init; }

    /// <summary><c>DELETE {path}/{id}</c> without parameters; returns what Stripe returns (usually <c>{id, object, deleted}</c>).</summary>
    public Func<Call, JsonObject>? Delete { get; init; }

    /// <summary>The list endpoint's filters; null when the resource has no list.</summary>
    public IReadOnlyList<ListFilter>? List { get; init; }

    /// <summary>A condition every listed object meets, filters sent or not (Stripe hides canceled subscriptions unless asked).</summary>
    public Func<StoredObject, Params, bool>? ListAlways { get; init; }

    /// <summary>Search fields (<c>GET {path}/search?query=...</c>); null when the resource has no search.</summary>
    public SearchFields? Search { get; init; }

    public IReadOnlyList<ResourceAction> Actions { get; init; } = [];

    internal JsonObject Get(StoreTransaction tx, string id) =>
        Find?.Invoke(tx, id)
        ?? tx.Find(Definition.Type, id)
        ?? Definition.BuiltIn?.Invoke(id)
        ?? throw StripeErrors.ResourceMissing(Definition.Noun, id);
}

public static class ResourceApiExtensions
{
    /// <summary>Maps a resource's routes; each binds its schema, runs its rule in one store transaction and responds.</summary>
    public static IEndpointRouteBuilder MapResource(this IEndpointRouteBuilder app, ResourceApi resource)
    {
        var api = app.MapStripeGroup(resource.Path);
        if (resource.Create is { } create)
        {
            api.MapPost("", (StripeRequest request, StripeStore store) => Write(request, store, create.Schema, string.Empty, create.Run));
        }
        if (resource.List is { } filters)
        {
            var schema = RequestSchema.List([.. filters.Select(f => (f.Name, f.Param))]);
            api.MapGet("", (StripeRequest request, StripeStore store) =>
            {
                var parameters = request.Bind(schema);
                return store.Read(tx => ListPage.Respond(tx, request, parameters, resource.Definition.Type, resource.Path,
                    stored => (resource.ListAlways?.Invoke(stored, parameters) ?? true)
                        && filters.All(f => !parameters.Has(f.Name) || f.Matches(stored, parameters[f.Name]!, tx))));
            });
        }
        if (resource.Search is { } search)
        {
            api.MapGet("/search", (StripeRequest request, StripeStore store) =>
            {
                var parameters = request.Bind(SearchFields.Schema);
                return store.Read(tx => search.Respond(tx, request, parameters, resource));
            });
        }
        foreach (var action in resource.Actions)
        {
            if (action.Path.Contains("{item}", StringComparison.Ordinal))
            {
                api.MapMethods(action.Path, [action.Method], (string id, string item, StripeRequest request, StripeStore store) => Run(request, store, action, id, item));
            }
            else if (action.Path.Contains("{id}", StringComparison.Ordinal))
            {
                api.MapMethods(action.Path, [action.Method], (string id, StripeRequest request, StripeStore store) => Run(request, store, action, id));
            }
            else
            {
                api.MapMethods(action.Path, [action.Method], (StripeRequest request, StripeStore store) => Run(request, store, action, string.Empty));
            }
        }
        if (resource.Retrieve)
        {
            api.MapGet("/{id}", (string id, StripeRequest request, StripeStore store) =>
            {
                request.Bind(RequestSchema.Retrieve);
                return store.Read(tx => request.Respond(tx, resource.Get(tx, id)));
            });
        }
        if (resource.Update is { } update)
        {
            api.MapPost("/{id}", (string id, StripeRequest request, StripeStore store) => Write(request, store, update.Schema, id, update.Run));
        }
        if (resource.Delete is { } delete)
        {
            api.MapDelete("/{id}", (string id, StripeRequest request, StripeStore store) =>
            {
                var parameters = request.Bind(RequestSchema.Delete);
                return store.Write(request.Info, tx => StripeResults.Json(delete(new Call(tx, parameters, id, request))));
            });
        }
        return app;
    }

    private static IResult Write(StripeRequest request, StripeStore store, ObjectParam schema, string id, Func<Call, JsonObject> run, string? item = null)
    {
        var parameters = request.Bind(schema);
        StripeErrorException? failure = null;
        var result = store.Write(request.Info, tx =>
        {
            var call = new Call(tx, parameters, id, request) { Item = item };
            var response = Respond(tx, request, run(call));
            failure = call.FailAfterCommit;
            return response;
        });
        return failure is null ? result : throw failure;
    }

    private static IResult Run(StripeRequest request, StripeStore store, ResourceAction action, string id, string? item = null)
    {
        if (action.Writes)
        {
            return Write(request, store, action.Schema, id, action.Run, item);
        }
        var parameters = request.Bind(action.Schema);
        return store.Read(tx => Respond(tx, request, action.Run(new Call(tx, parameters, id, request) { Item = item })));
    }

    /// <summary>A list envelope is already rendered; an object is rendered with the request's expansions.</summary>
    private static IResult Respond(StoreTransaction tx, StripeRequest request, JsonObject result) =>
        result["object"]?.GetValue<string>() is "list" or "search_result" || result.ContainsKey("deleted")
            ? StripeResults.Json(result)
            : request.Respond(tx, result);
}
