using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Stripe.TestHelpers;
using Yapit.Billing.Inbox;
using Yapit.Billing.Subscriptions;
using Yapit.Gateway.Auth;
using Yapit.StripeEmulator.Store;
using Yapit.Tests.Emulator.StripeNet;
using Yapit.Tests.Infrastructure;
using Yapit.Tests.Webhooks;

namespace Yapit.Tests.Subscriptions;

/// <summary>
/// The billing product end to end in one process: the emulator (Stripe, with test clocks) forwarding to the gateway,
/// the worker turning events into entitlements, the catalog applied by stripe-setup, and users calling the gateway
/// with their own JWTs. Scenario tests drive it as the frontend, Yapit's services and Stripe's clock would.
/// </summary>
public sealed class BillingStackHarness : IAsyncDisposable
{
    public static readonly AuthOptions Auth = new() { Issuer = "yapit-test", Audience = "yapit-billing", SigningKey = "stack-signing-key-0123456789abcdefghijklmnop" };
    public const string ServiceKey = "stack-service-key-0123456789abcdef";

    private readonly List<HttpClient> _clients = [];

    private BillingStackHarness(PipelineHarness pipeline)
    {
        Pipeline = pipeline;
        Stripe = pipeline.Stripe.StripeNet();
        Subscriptions = new SubscriptionStore(pipeline.Database);
    }

    public PipelineHarness Pipeline { get; }

    /// <summary>Stripe.net against the emulator, for what a test does "directly in Stripe".</summary>
    public StripeClient Stripe { get; }

    public SubscriptionStore Subscriptions { get; }

    /// <param name="settings">Extra settings for both gateway and worker, e.g. <c>Billing:DowngradePolicy</c>.</param>
    /// <param name="chaosRate">The emulator duplicates and delays this share of deliveries (0 is clean delivery).</param>
    public static async Task<BillingStackHarness> StartAsync(PostgresServerFixture postgres, IReadOnlyDictionary<string, string?>? settings = null, double chaosRate = 0)
    {
        var shared = new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = Auth.Issuer,
            ["Auth:Audience"] = Auth.Audience,
            ["Auth:SigningKey"] = Auth.SigningKey,
            ["Auth:ServiceApiKey"] = ServiceKey,
            ["Billing:AppOrigin"] = "http://app.yapit.test",
            // Checkout can race the subscription's events; tests need not wait the production two minutes for a link.
            ["Billing:LinkWait"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            shared[key] = value;
        }
        var pipeline = await PipelineHarness.StartAsync(postgres, new StripeEmulatorSettings { ChaosRate = chaosRate }, workerSettings: shared, gatewaySettings: shared);
        return new BillingStackHarness(pipeline);
    }

    /// <summary>A client of the gateway signed in as <paramref name="userId"/> (the frontend's calls).</summary>
    public HttpClient User(string userId) => Client(DevTokens.Issue(Auth, userId, null, TimeSpan.FromHours(1)));

    /// <summary>A client of the gateway with Yapit's service key (usage records and checks).</summary>
    public HttpClient Service() => Client(ServiceKey);

    /// <summary>A client of the gateway's admin API with <paramref name="adminKey"/> (the stack's <c>Admin:ApiKey</c>).</summary>
    public HttpClient Admin(string adminKey) => Client(adminKey);

    private HttpClient Client(string bearer)
    {
        var client = Pipeline.Gateway.CreateRealClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        _clients.Add(client);
        return client;
    }

    public static string NewUserId() => "user_" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>
    /// A test clock frozen at <paramref name="start"/> and a Stripe customer on it (with <paramref name="card"/> as its
    /// default payment method, or none), linked to the user as their customer: the gateway reuses it for checkout, so
    /// everything the user buys then lives on the clock.
    /// </summary>
    public async Task<(TestClock Clock, Customer Customer)> ClockCustomerAsync(string userId, DateTime start, string? card = "pm_card_visa", CancellationToken ct = default)
    {
        var clock = await Stripe.ClockAsync(start, ct, name: userId);
        var customer = await Stripe.ClockCustomerAsync(clock, card, ct);
        await Subscriptions.LinkCustomerAsync(userId, customer.Id, new ChangeReason("test setup"), ct);
        return (clock, customer);
    }

    /// <summary>Advances the clock, waits until it is ready and every event so far has been processed by the worker.</summary>
    public async Task<TestClock> AdvanceAsync(TestClock clock, DateTime to, CancellationToken ct = default)
    {
        var ready = await Stripe.AdvanceAsync(clock, to, ct);
        await SettleAsync(ct);
        return ready;
    }

    // Every event up to this store sequence is known to be in the inbox and processed: a settle reads only the events
    // after it, so its cost follows what happened since the last settle, not every event of the run (the property test
    // settles thousands of times, 25 users at once). The store's order is creation order; the API's is by `created`,
    // which on test clocks is each clock's own time.
    private long _settledThrough;

    /// <summary>Waits until every event the emulator has created so far is in the inbox and processed (done or ignored).</summary>
    public async Task SettleAsync(CancellationToken ct = default, TimeSpan? timeout = null)
    {
        var from = Interlocked.Read(ref _settledThrough);
        var store = Pipeline.Stripe.Services.GetRequiredService<StripeStore>();
        var (created, through) = store.Read(tx =>
        {
            var newer = tx.All(Yapit.StripeEmulator.Events.EventTypes.ObjectType).Where(e => e.Sequence > from).ToList();
            return (newer.Select(e => e.Id).ToList(), newer.Count == 0 ? from : newer.Max(e => e.Sequence));
        });
        var expected = created.ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var missing = await Pipeline.Inbox.MissingAsync(expected, ct);
            // Any row still to run counts (a replayed older event is not among the new ones); a dead row only when it
            // is one of ours, so another user's dead letter in a shared run does not hold this settle.
            var open = (await OpenInboxAsync(ct)).Where(e => e.Status != InboxStatus.Dead || expected.Contains(e.Id)).ToList();
            if (missing.Count == 0 && open.Count == 0)
            {
                for (var seen = Interlocked.Read(ref _settledThrough); seen < through; seen = Interlocked.Read(ref _settledThrough))
                {
                    Interlocked.CompareExchange(ref _settledThrough, through, seen);
                }
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                var stuck = open.Select(e => $"{e.Type} {e.Status} {e.LastError}");
                throw new TimeoutException($"Not settled: missing or unprocessed {string.Join(", ", missing.Concat(open.Select(e => e.Id)).Take(10))}; not done: {string.Join("; ", stuck)}");
            }
            await Task.Delay(50, ct);
        }
    }

    private async Task<List<InboxEntry>> OpenInboxAsync(CancellationToken ct)
    {
        var open = new List<InboxEntry>();
        foreach (var status in new[] { InboxStatus.Pending, InboxStatus.Processing, InboxStatus.Dead })
        {
            open.AddRange(await Pipeline.Inbox.ListAsync(status, null, 10_000, ct));
        }
        return open;
    }

    /// <summary>What the gateway tells the user about their subscription (<c>GET /v1/billing/subscription</c>).</summary>
    public async Task<JsonElement> SubscriptionAsync(string userId, CancellationToken ct = default) =>
        await User(userId).GetFromJsonAsync<JsonElement>("/v1/billing/subscription", ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        await Pipeline.DisposeAsync();
    }
}
