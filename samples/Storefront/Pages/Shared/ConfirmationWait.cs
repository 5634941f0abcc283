using Microsoft.AspNetCore.Http.Extensions;

namespace Yapit.Storefront.Pages.Shared;

/// <summary>
/// How long a page back from Checkout waits for Stripe's webhook by reloading itself. The page remembers when it began
/// in its own address (<c>since</c>, Unix seconds), since a meta refresh carries nothing else; after
/// <c>Storefront:ConfirmationTimeout</c> (30 s) it stops reloading and tells the person that the payment is still
/// being confirmed, with a link that looks again (and waits again). Webhooks can be late (Stripe retries, a worker
/// restarting): a page spinning forever would read as broken.
/// </summary>
public sealed class ConfirmationWait
{
    public const string SinceParameter = "since";

    private ConfirmationWait(bool timedOut, string refreshUrl, string reloadUrl)
    {
        TimedOut = timedOut;
        RefreshUrl = refreshUrl;
        ReloadUrl = reloadUrl;
    }

    /// <summary>The wait is over: show "still being confirmed" and a reload link instead of reloading.</summary>
    public bool TimedOut { get; }

    /// <summary>The same page with the wait's start kept: what the meta refresh loads.</summary>
    public string RefreshUrl { get; }

    /// <summary>The same page without the start: a person's reload begins a new wait.</summary>
    public string ReloadUrl { get; }

    public static ConfirmationWait For(HttpRequest request, IConfiguration configuration, DateTimeOffset now)
    {
        var timeout = configuration.GetValue("Storefront:ConfirmationTimeout", TimeSpan.FromSeconds(30));
        var since = long.TryParse(request.Query[SinceParameter], out var seconds) && seconds <= now.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : now;
        var query = request.Query.Where(pair => pair.Key != SinceParameter).ToList();
        var reload = request.Path + new QueryBuilder(query).ToQueryString();
        var refresh = request.Path + new QueryBuilder(query) { { SinceParameter, since.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } }.ToQueryString();
        return new ConfirmationWait(now - since >= timeout, refresh, reload);
    }
}
