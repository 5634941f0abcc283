using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Frontend;

/// <summary>
/// The real gateway on Kestrel with an allowed frontend origin, and no database behind it: preflights and the
/// OpenAPI document never reach Postgres.
/// </summary>
public sealed class GatewayUnderTest : IAsyncLifetime
{
    public const string AllowedOrigin = "http://localhost:5173";

    public ServiceFactory<Yapit.Gateway.TestingEntryPoint> Gateway { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Gateway = new ServiceFactory<Yapit.Gateway.TestingEntryPoint>(new Dictionary<string, string?>
        {
            // Nothing listens on port 1.
            ["ConnectionStrings:billingdb"] = "Host=127.0.0.1;Port=1;Username=x;Password=y;Database=billingdb;Timeout=2",
            ["Stripe:SecretKey"] = "sk_test_frontend",
            ["Auth:SigningKey"] = "frontend-signing-key-0123456789abcdefghij",
            ["Cors:AllowedOrigins:0"] = AllowedOrigin + "/",
        }).Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}
