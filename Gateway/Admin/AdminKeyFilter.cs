using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Yapit.Gateway.Admin;

/// <summary>Bound from <c>Admin</c>: <c>Admin__ApiKey</c>. Without a key the admin API refuses everyone.</summary>
public sealed class AdminOptions
{
    public string? ApiKey { get; set; }
}

/// <summary>
/// Lets a request through only with <c>Authorization: Bearer &lt;Admin__ApiKey&gt;</c>, compared in constant time
/// (hashes of equal length, so neither content nor length leaks through timing).
/// </summary>
public sealed class AdminKeyFilter(IOptionsMonitor<AdminOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = options.CurrentValue.ApiKey;
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;

        if (string.IsNullOrEmpty(configured) || presented is null
            || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(presented))))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A valid admin key is required."));
        }
        return next(context);
    }
}
