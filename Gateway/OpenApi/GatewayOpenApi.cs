using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Yapit.Gateway.OpenApi;

/// <summary>The security scheme an endpoint's own filter checks (the admin key, the usage service credential), for the OpenAPI document.</summary>
public sealed record OpenApiSecurityMetadata(string Scheme);

/// <summary>
/// The gateway's OpenAPI document (<c>/openapi/v1.json</c>): every endpoint with its request and response shapes
/// (snake_case, as served) and Problem Details errors, and the credential each operation takes: a user's bearer token
/// (endpoints that require the user policy), the usage service credential or the admin key (endpoints whose filter
/// checks one, marked with <see cref="RequiresSecurityScheme{TBuilder}"/>). Request bodies list as required exactly
/// the fields the handlers refuse to go without (<see cref="RequiredAttribute"/>), although the C# types are nullable
/// so that a missing field is a 400 naming it rather than a binding failure.
/// </summary>
public static class GatewayOpenApi
{
    public const string UserScheme = "user_token";
    public const string UsageServiceScheme = "usage_service_key";
    public const string AdminScheme = "admin_key";

    /// <summary>The endpoints' filter checks <paramref name="scheme"/>'s credential: the document says so.</summary>
    public static TBuilder RequiresSecurityScheme<TBuilder>(this TBuilder builder, string scheme) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new OpenApiSecurityMetadata(scheme));

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Yapit Billing gateway",
                Version = "v1",
                Description = "Plans, checkout, the customer portal and subscriptions for signed-in users (JWT bearer, the user id is sub); usage metering for Yapit's services (service key or a JWT with scope usage:write); the operators' admin API (admin key). Errors are Problem Details (RFC 9457).",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[UserScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A user's JWT from the identity provider (sub = user id). On the local stack: dotnet run --project Gateway --no-launch-profile -- token --sub user_1.",
            };
            document.Components.SecuritySchemes[UsageServiceScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "Yapit's own services: the usage service key (Auth__ServiceApiKey) or a JWT with scope usage:write. A user's token without that scope is refused (403).",
            };
            document.Components.SecuritySchemes[AdminScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "Operators: the admin key (Admin__ApiKey; printed by the AppHost on the local stack).",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var scheme = metadata.OfType<OpenApiSecurityMetadata>().LastOrDefault()?.Scheme
                ?? (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any() ? UserScheme : null);
            if (scheme is not null)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid credential." });
            }
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // Request bodies: required is what the handler requires, not every constructor parameter of the record.
            var type = context.JsonTypeInfo.Type;
            if (context.JsonPropertyInfo is null && type.Namespace?.StartsWith("Yapit.Gateway", StringComparison.Ordinal) == true && type.Name.EndsWith("Body", StringComparison.Ordinal))
            {
                var required = context.JsonTypeInfo.Properties
                    .Where(p => p.AttributeProvider is ICustomAttributeProvider provider && provider.IsDefined(typeof(RequiredAttribute), inherit: true))
                    .Select(p => p.Name)
                    .ToHashSet(StringComparer.Ordinal);
                schema.Required = required.Count > 0 ? required : null;
                if (type.GetCustomAttribute<OneOfRequiredAttribute>() is { } alternatives)
                {
                    schema.AnyOf = [.. alternatives.Alternatives.Select(fields => (IOpenApiSchema)new OpenApiSchema { Required = fields.Split(',').ToHashSet(StringComparer.Ordinal) })];
                }
            }
            return Task.CompletedTask;
        });
    }
}

/// <summary>A body with several forms: each alternative is a comma-separated list of the fields that form requires.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class OneOfRequiredAttribute(params string[] alternatives) : Attribute
{
    public IReadOnlyList<string> Alternatives { get; } = alternatives;
}
