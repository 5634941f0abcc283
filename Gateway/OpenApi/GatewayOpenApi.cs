using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Yapit.Gateway.OpenApi;

/// <summary>
/// The gateway's OpenAPI document (<c>/openapi/v1.json</c>): every endpoint with its request and response shapes
/// (snake_case, as served) and Problem Details errors, and the bearer scheme on the endpoints that need a token.
/// </summary>
public static class GatewayOpenApi
{
    public const string BearerScheme = "bearer";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Yapit Billing gateway",
                Version = "v1",
                Description = "Plans, checkout, the customer portal and subscriptions for signed-in users (JWT bearer, the user id is sub); usage metering for Yapit's services (service key or a JWT with scope usage:write). Errors are Problem Details (RFC 9457).",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A user's JWT (sub = user id), or for /v1/usage's service endpoints Yapit's service key or a JWT with scope usage:write.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var path = context.Description.RelativePath ?? "";
            var authorized = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            var service = path.StartsWith("v1/usage/", StringComparison.Ordinal) && !authorized;
            if (authorized || service)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid bearer token." });
            }
            return Task.CompletedTask;
        });
    }
}
