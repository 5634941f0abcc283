using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Yapit.Tests.Infrastructure;

/// <summary>
/// Runs a service's real Program (found through any type of its assembly) on Kestrel with a free port, configured
/// through settings exactly as the AppHost would set environment variables.
/// </summary>
public sealed class ServiceFactory<TEntryPoint>(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private Uri? _address;

    public Uri Address => _address ?? throw new InvalidOperationException("Call Start() first.");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }

    public ServiceFactory<TEntryPoint> Start()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        _address = new Uri(addresses.First());
        return this;
    }

    public HttpClient CreateRealClient() => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Address };
}
