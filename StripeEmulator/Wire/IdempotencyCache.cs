using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Yapit.StripeEmulator.Wire;

/// <summary>
/// Stripe's idempotent requests: the first POST with a key runs and its response is kept for 24 hours; the same
/// key with the same endpoint and body returns that response again (<c>Idempotent-Replayed: true</c>); the same key
/// with anything else is refused. Keys are scoped to the API key. A request refused by parameter validation keeps
/// nothing, so a corrected retry with the same key runs.
/// </summary>
public sealed class IdempotencyCache(TimeProvider time)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<(string ApiKey, string Key), Entry> _entries = new();
    private long _lastPruneTicks;

    /// <summary>A response kept for replay.</summary>
    public sealed record StoredResponse(int Status, string? ContentType, string RequestId, byte[] Body);

    public sealed class Entry(string fingerprint, string endpoint, DateTimeOffset created)
    {
        private StoredResponse? _response;

        public string Fingerprint { get; } = fingerprint;
        public string Endpoint { get; } = endpoint;
        public DateTimeOffset Created { get; } = created;

        /// <summary>Null while the first request is still running.</summary>
        public StoredResponse? Response
        {
            get => Volatile.Read(ref _response);
            set => Volatile.Write(ref _response, value);
        }
    }

    /// <summary>Runs <paramref name="execute"/> once per key and body; replays or refuses otherwise.</summary>
    public async Task RunAsync(HttpContext context, string apiKey, string key, string body, Func<Task<bool>> execute)
    {
        if (key.Length > MaxKeyLength)
        {
            throw StripeErrors.InvalidValue(HeaderName, $"Idempotency-Key must be at most {MaxKeyLength} characters long.");
        }
        Prune();
        var endpoint = $"{context.Request.Method} {context.Request.Path}";
        var fingerprint = $"{endpoint}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}";
        var entry = new Entry(fingerprint, endpoint, time.GetUtcNow());
        var existing = _entries.GetOrAdd((apiKey, key), entry);
        if (!ReferenceEquals(existing, entry))
        {
            await ReplayAsync(context, key, existing, fingerprint, endpoint).ConfigureAwait(false);
            return;
        }

        var realBody = context.Response.Body;
        using var captured = new MemoryStream();
        context.Response.Body = captured;
        var keep = false;
        try
        {
            keep = await execute().ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = realBody;
            if (keep)
            {
                entry.Response = new StoredResponse(context.Response.StatusCode, context.Response.ContentType, RequestIds.Get(context), captured.ToArray());
            }
            else
            {
                _entries.TryRemove(KeyValuePair.Create((apiKey, key), entry));
            }
        }
        captured.Position = 0;
        await captured.CopyToAsync(realBody, context.RequestAborted).ConfigureAwait(false);
    }

    public void Clear() => _entries.Clear();

    private static async Task ReplayAsync(HttpContext context, string key, Entry existing, string fingerprint, string endpoint)
    {
        if (existing.Endpoint != endpoint)
        {
            throw new StripeErrorException(400, StripeErrors.IdempotencyError, null,
                $"Keys for idempotent requests can only be used for the same endpoint they were first used for ('{existing.Endpoint}' vs '{endpoint}'). Try using a key other than '{key}' if you meant to execute a different request.");
        }
        if (existing.Fingerprint != fingerprint)
        {
            throw new StripeErrorException(400, StripeErrors.IdempotencyError, null,
                $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.");
        }
        if (existing.Response is not { } response)
        {
            throw new StripeErrorException(409, StripeErrors.InvalidRequest, "idempotency_key_in_use",
                $"There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): {key}. Please try again later.");
        }
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        context.Response.Headers[RequestIds.HeaderName] = response.RequestId;
        context.Response.Headers[ReplayedHeaderName] = "true";
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Drops expired keys, at most once a minute (it scans them all).</summary>
    private void Prune()
    {
        var now = time.GetUtcNow();
        var last = Interlocked.Read(ref _lastPruneTicks);
        if (now.UtcTicks - last < TimeSpan.TicksPerMinute || Interlocked.CompareExchange(ref _lastPruneTicks, now.UtcTicks, last) != last)
        {
            return;
        }
        var cutoff = now - Lifetime;
        foreach (var (key, entry) in _entries)
        {
            if (entry.Created < cutoff && entry.Response is not null)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }
}
