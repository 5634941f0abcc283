using Microsoft.Extensions.Options;

namespace Yapit.Gateway.Webhooks;

/// <summary>
/// Bounds how many webhook inserts run at once; the rest wait here, in arrival order, for a free slot. This is not a
/// rate limit (nothing is refused); it keeps a burst of deliveries (Stripe retrying after an outage, or requests
/// piling up while an autovacuum pass or a checkpoint slows commits) from opening a database connection per waiting
/// request. A new connection costs a SCRAM handshake and a server process, and more concurrent committers do not
/// commit faster: on the 2-core benchmark machine an unbounded intake opened 80+ connections within a second of such
/// a slowdown and its p99 at half of peak load went to 280-660 ms (bench/README.md). It also leaves the rest of the
/// connection pool to the product's own endpoints.
/// </summary>
public sealed class WebhookInsertGate(IOptions<WebhookIntakeOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.MaxConcurrentInserts));

    public async Task<T> RunAsync<T>(Func<Task<T>> insert, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await insert().ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
