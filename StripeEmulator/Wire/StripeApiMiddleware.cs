using System.Text;
using System.Text.RegularExpressions;

namespace Yapit.StripeEmulator.Wire;

/// <summary>Marks an endpoint as part of Stripe's API (<c>/v1/...</c>), as opposed to operator endpoints and hosted pages.</summary>
public sealed class StripeEndpointMetadata
{
    public static StripeEndpointMetadata Instance { get; } = new();
}

/// <summary>
/// What every <c>/v1</c> request goes through before its handler, in Stripe's order: the API key (401 when missing
/// or not a test key), the API version (echoed as <c>Stripe-Version</c>), the route (404 for an unknown URL), the
/// form, idempotency for POSTs; and after it, errors written as Stripe writes them.
/// </summary>
public sealed partial class StripeApiMiddleware(RequestDelegate next, IdempotencyCache idempotency, ILogger<StripeApiMiddleware> logger)
{
    public const string VersionHeader = "Stripe-Version";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        try
        {
            var apiKey = Authenticate(context.Request);
            context.Response.Headers[VersionHeader] = ApiVersion(context.Request);
            if (context.GetEndpoint()?.Metadata.GetMetadata<StripeEndpointMetadata>() is null)
            {
                throw StripeErrors.UnrecognizedUrl(context.Request.Method, context.Request.Path);
            }

            var isPost = HttpMethods.IsPost(context.Request.Method);
            var text = isPost ? await ReadBodyAsync(context).ConfigureAwait(false) : context.Request.QueryString.Value ?? string.Empty;
            var idempotencyKey = isPost ? context.Request.Headers[IdempotencyCache.HeaderName].ToString() : string.Empty;
            if (idempotencyKey.Length > 0)
            {
                // Stripe echoes the key on the response (first run and replays alike), which the SDKs surface.
                context.Response.Headers[IdempotencyCache.HeaderName] = idempotencyKey;
            }
            var request = new StripeRequest(context, RequestIds.Get(context), apiKey, idempotencyKey.Length > 0 ? idempotencyKey : null, FormNode.Parse(text));
            context.Features.Set(request);

            if (request.IdempotencyKey is { } key)
            {
                await idempotency.RunAsync(context, apiKey, key, text, () => ExecuteAsync(context)).ConfigureAwait(false);
            }
            else
            {
                await ExecuteAsync(context).ConfigureAwait(false);
            }
        }
        catch (StripeErrorException error) when (!context.Response.HasStarted)
        {
            await StripeResults.WriteErrorAsync(context, error).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the handler; returns whether its outcome may be kept for idempotent replay.</summary>
    private async Task<bool> ExecuteAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
            return true;
        }
        catch (StripeErrorException error) when (!context.Response.HasStarted)
        {
            await StripeResults.WriteErrorAsync(context, error).ConfigureAwait(false);
            return !error.IsValidation;
        }
        catch (Exception error) when (error is not OperationCanceledException && !context.Response.HasStarted)
        {
            logger.LogError(error, "The emulator failed on {Method} {Path}", context.Request.Method, context.Request.Path);
            await StripeResults.WriteErrorAsync(context, new StripeErrorException(500, StripeErrors.ApiError, null,
                $"The Stripe emulator failed on this request: {error.Message}")).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>Bearer (what the SDKs send) or Basic with the key as user name (what <c>curl -u sk_test_...:</c> sends).</summary>
    private static string Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString().Trim();
        if (header.Length == 0)
        {
            throw StripeErrors.MissingApiKey();
        }
        string key;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header[7..].Trim();
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                key = decoded.Split(':', 2)[0];
            }
            catch (FormatException)
            {
                throw StripeErrors.InvalidApiKey("(malformed Basic credentials)");
            }
        }
        else
        {
            throw StripeErrors.InvalidApiKey("(not a Bearer key)");
        }
        return TestKey().IsMatch(key) ? key : throw StripeErrors.InvalidApiKey(RedactKey(key));
    }

    /// <summary>Enough of a key to recognise it in an error, never the whole secret.</summary>
    private static string RedactKey(string key) => key.Length <= 8 ? "***" : key[..8] + "***";

    private static string ApiVersion(HttpRequest request)
    {
        var requested = request.Headers[VersionHeader].ToString();
        if (requested.Length == 0)
        {
            return EmulatedApiVersion.Current;
        }
        return EmulatedApiVersion.IsAccepted(requested)
            ? requested
            : throw StripeErrors.InvalidValue(VersionHeader, $"Invalid Stripe API version: {requested}");
    }

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Any key of a test key's shape; the emulator has no accounts to check it against, and no live mode.</summary>
    [GeneratedRegex("^(sk|rk)_test_[A-Za-z0-9_]+$")]
    private static partial Regex TestKey();

}
