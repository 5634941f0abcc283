using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;

namespace Yapit.ServiceDefaults.Http;

/// <summary>
/// Resolves logical service URIs the way Aspire's configuration provider does (Microsoft.Extensions.ServiceDiscovery
/// is not on the mirror): <c>http://gateway</c>, <c>https+http://gateway</c> and <c>http://_admin.gateway</c> are read
/// from <c>services:gateway:&lt;endpoint|default|scheme&gt;[:n]</c>. Unknown hosts pass through unchanged, so the
/// same code works where the service name resolves by DNS.
/// </summary>
public sealed class ServiceEndpointResolver(IConfiguration configuration)
{
    private const string ServicesSection = "services";
    private readonly ConcurrentDictionary<string, int> _roundRobin = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The concrete URI to call, or <paramref name="requestUri"/> itself when the host is not a known service.</summary>
    public Uri Resolve(Uri requestUri)
    {
        ArgumentNullException.ThrowIfNull(requestUri);
        if (!requestUri.IsAbsoluteUri)
        {
            return requestUri;
        }

        var schemes = requestUri.Scheme.Split('+', StringSplitOptions.RemoveEmptyEntries);
        var (service, endpointName) = ParseHost(requestUri.Host);
        var serviceSection = configuration.GetSection(ServicesSection).GetSection(service);
        if (!serviceSection.Exists())
        {
            return PassThrough(requestUri, schemes);
        }

        string[] candidates = endpointName is not null ? [endpointName] : ["default", .. schemes];
        foreach (var candidate in candidates)
        {
            var section = serviceSection.GetSection(candidate);
            if (!section.Exists())
            {
                continue;
            }

            var endpoints = ReadEndpoints(section, service)
                .Where(endpoint => schemes.Contains(endpoint.Scheme, StringComparer.OrdinalIgnoreCase))
                .ToArray();
            if (endpoints.Length == 0)
            {
                continue;
            }

            var index = _roundRobin.AddOrUpdate(section.Path, 0, (_, previous) => unchecked(previous + 1));
            var endpoint = endpoints[(int)((uint)index % (uint)endpoints.Length)];
            return new UriBuilder(requestUri) { Scheme = endpoint.Scheme, Host = endpoint.Host, Port = endpoint.Port }.Uri;
        }

        var wanted = endpointName is not null ? $"endpoint '{endpointName}'" : $"scheme {string.Join(" or ", schemes)}";
        throw new InvalidOperationException(
            $"Service '{service}' is configured under '{serviceSection.Path}' but has no {wanted}; " +
            $"expected a URL at '{serviceSection.Path}:{candidates[^1]}:0'.");
    }

    private static (string Service, string? Endpoint) ParseHost(string host)
    {
        // "_admin.gateway" selects the endpoint named "admin" of "gateway".
        if (host.StartsWith('_') && host.IndexOf('.', StringComparison.Ordinal) is var dot and > 1)
        {
            return (host[(dot + 1)..], host[1..dot]);
        }
        return (host, null);
    }

    private static IEnumerable<Uri> ReadEndpoints(IConfigurationSection section, string service)
    {
        if (section.Value is { Length: > 0 } single)
        {
            yield return ParseEndpoint(single, section.Path, service);
            yield break;
        }

        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, out _))
            {
                throw new InvalidOperationException(
                    $"Configuration key '{child.Path}' is not a valid endpoint index; endpoints are listed as '{section.Path}:0', ':1', ...");
            }
            if (child.Value is { Length: > 0 } value)
            {
                yield return ParseEndpoint(value, child.Path, service);
            }
        }
    }

    private static Uri ParseEndpoint(string value, string path, string service) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"Configuration key '{path}' for service '{service}' is not an absolute URL: '{value}'.");

    private static Uri PassThrough(Uri requestUri, string[] schemes)
    {
        if (schemes.Length <= 1)
        {
            return requestUri;
        }
        // "https+http://name" with nothing configured: use the preferred scheme and let DNS resolve the name.
        return new UriBuilder(requestUri) { Scheme = schemes[0], Port = requestUri.IsDefaultPort ? -1 : requestUri.Port }.Uri;
    }
}
