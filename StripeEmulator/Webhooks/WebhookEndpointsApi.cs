using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.Webhooks;

/// <summary><c>/v1/webhook_endpoints</c>.</summary>
public static class WebhookEndpointsApi
{
    public static IEndpointRouteBuilder MapWebhookEndpointsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapStripeGroup("/v1/webhook_endpoints");
        api.MapPost("", CreateWebhookEndpoint);
        api.MapGet("", ListWebhookEndpoints);
        api.MapGet("/{id}", RetrieveWebhookEndpoint);
        api.MapPost("/{id}", UpdateWebhookEndpoint);
        api.MapDelete("/{id}", DeleteWebhookEndpoint);
        return app;
    }

    public static IResult CreateWebhookEndpoint(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(WebhookEndpointResource.CreateSchema);
        return store.Write(request.Info, tx =>
        {
            var (endpoint, secret) = WebhookEndpointResource.Create(tx, parameters);
            var rendered = ObjectRenderer.Render(tx, endpoint, request.Expand);
            rendered["secret"] = secret; // only this response shows it
            return StripeResults.Json(rendered);
        });
    }

    public static IResult RetrieveWebhookEndpoint(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx => request.Respond(tx, tx.Get(WebhookEndpointResource.Type, id)));
    }

    public static IResult UpdateWebhookEndpoint(string id, StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(WebhookEndpointResource.UpdateSchema);
        return store.Write(request.Info, tx => request.Respond(tx, WebhookEndpointResource.Update(tx, id, parameters)));
    }

    public static IResult DeleteWebhookEndpoint(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Delete);
        return store.Write(request.Info, tx => StripeResults.Json(WebhookEndpointResource.Delete(tx, id)));
    }

    public static IResult ListWebhookEndpoints(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(WebhookEndpointResource.ListSchema);
        return store.Read(tx => ListPage.Respond(tx, request, parameters, WebhookEndpointResource.Type, "/v1/webhook_endpoints", _ => true));
    }
}
