using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Wire;
using Yapit.StripeEmulator.Wire.Parameters;

namespace Yapit.StripeEmulator.BillingPortal;

/// <summary><c>/v1/billing_portal/configurations</c> and <c>/v1/billing_portal/sessions</c>.</summary>
public static class BillingPortalApi
{
    public static IEndpointRouteBuilder MapBillingPortalApi(this IEndpointRouteBuilder app)
    {
        var configurations = app.MapStripeGroup("/v1/billing_portal/configurations");
        configurations.MapPost("", CreateConfiguration);
        configurations.MapGet("", ListConfigurations);
        configurations.MapGet("/{id}", RetrieveConfiguration);
        configurations.MapPost("/{id}", UpdateConfiguration);

        var sessions = app.MapStripeGroup("/v1/billing_portal/sessions");
        sessions.MapPost("", CreateSession);
        return app;
    }

    public static IResult CreateConfiguration(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PortalConfigurationSchemas.Create);
        return store.Write(request.Info, tx => request.Respond(tx, PortalConfigurationResource.Create(tx, parameters, request.BaseUrl)));
    }

    public static IResult RetrieveConfiguration(string id, StripeRequest request, StripeStore store)
    {
        request.Bind(RequestSchema.Retrieve);
        return store.Read(tx => request.Respond(tx, tx.Get(PortalConfigurationResource.Type, id)));
    }

    public static IResult UpdateConfiguration(string id, StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PortalConfigurationSchemas.Update);
        return store.Write(request.Info, tx => request.Respond(tx, PortalConfigurationResource.Update(tx, id, parameters, request.BaseUrl)));
    }

    public static IResult ListConfigurations(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PortalConfigurationSchemas.List);
        return store.Read(tx => ListPage.Respond(tx, request, parameters, PortalConfigurationResource.Type, "/v1/billing_portal/configurations",
            c => PortalConfigurationResource.Matches(c, parameters)));
    }

    public static IResult CreateSession(StripeRequest request, StripeStore store)
    {
        var parameters = request.Bind(PortalSessionResource.CreateSchema);
        return store.Write(request.Info, tx => request.Respond(tx, PortalSessionResource.Create(tx, parameters, request.BaseUrl)));
    }
}
