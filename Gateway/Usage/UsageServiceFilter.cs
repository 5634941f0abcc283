using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Yapit.Gateway.Auth;

namespace Yapit.Gateway.Usage;

/// <summary>
/// Lets through Yapit's own services only: <c>Authorization: Bearer</c> with the service key
/// (<c>Auth__ServiceApiKey</c>, compared in constant time) or a token with the <c>usage:write</c> scope. A user's
/// token without that scope is refused (403): users never record their own usage.
/// </summary>
public sealed class UsageServiceFilter(IOptionsMonitor<AuthOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (presented is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A service credential is required.");
        }
        var serviceKey = options.CurrentValue.ServiceApiKey;
        if (!string.IsNullOrEmpty(serviceKey)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(serviceKey)), SHA256.HashData(Encoding.UTF8.GetBytes(presented))))
        {
            return await next(context).ConfigureAwait(false);
        }
        var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A service credential is required.");
        }
        if (!result.Principal.HasScope(AuthenticationSetup.UsageWriteScope))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: $"The token lacks the scope {AuthenticationSetup.UsageWriteScope}.");
        }
        return await next(context).ConfigureAwait(false);
    }
}
