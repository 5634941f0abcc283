using Stripe;
using Yapit.Billing.Stripe;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Emulator;

/// <summary>Webhook delivery like Stripe's: signed, to matching endpoints and the forward-to URL, retried, and under chaos.</summary>
[Trait("Category", "Integration")]
public sealed class DeliveryTests
{
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_endpoint_gets_its_enabled_events_signed_with_its_own_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var emulator = await StripeEmulatorFixture.StartAsync();
        var stripe = emulator.CreateClient();
        var endpoint = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = receiver.Url.ToString(), EnabledEvents = ["product.created"] }, cancellationToken: _ct);

        await stripe.V1.Prices.CreateAsync(new PriceCreateOptions { Currency = "usd", UnitAmount = 5, Product = (await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "signed", Name = "Signed" }, cancellationToken: _ct)).Id }, cancellationToken: _ct);
        var received = Assert.Single(await receiver.WaitUntilAsync(r => r.Count >= 1));

        WebhookSignature.Verify(received.Body, received.Signature, [endpoint.Secret!]);
        Assert.Throws<WebhookSignatureException>(() => WebhookSignature.Verify(received.Body, received.Signature, [emulator.WebhookSecret]));
        Assert.Equal(("product.created", "signed"), (received.Event.Type, received.Event.ObjectId));
        Assert.Equal("application/json; charset=utf-8", received.ContentType);
        Assert.StartsWith("Stripe/1.0", received.UserAgent, StringComparison.Ordinal);
        var priceEvent = Assert.Single((await stripe.V1.Events.ListAsync(new EventListOptions { Type = "price.created" }, cancellationToken: _ct)).Data);
        Assert.Equal(0, priceEvent.PendingWebhooks);
        Assert.Empty(await emulator.GetDeliveriesAsync(priceEvent.Id, _ct));
        var delivered = Assert.Single(await emulator.GetDeliveriesAsync(received.Event.Id, _ct));
        Assert.Equal((endpoint.Id, 1, 200, true), (delivered.EndpointId, delivered.Attempt, delivered.Status, delivered.Succeeded));
        Assert.Equal(0, (await stripe.V1.Events.GetAsync(received.Event.Id, cancellationToken: _ct)).PendingWebhooks);
    }

    [Fact]
    public async Task The_forward_to_url_gets_every_event_signed_with_the_listen_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { ForwardTo = receiver.Url });
        var stripe = emulator.CreateClient();

        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Id = "fwd", Name = "Forwarded" }, cancellationToken: _ct);
        await stripe.V1.Products.UpdateAsync("fwd", new ProductUpdateOptions { Name = "Forwarded again" }, cancellationToken: _ct);
        var received = await receiver.WaitUntilAsync(r => r.Count >= 2);

        Assert.Equal(["product.created", "product.updated"], received.Select(r => r.Event.Type).Order());
        Assert.All(received, r => WebhookSignature.Verify(r.Body, r.Signature, [emulator.WebhookSecret]));
        Assert.Equal("Forwarded", received.Single(r => r.Event.Type == "product.updated").Event.PreviousAttributesJson!.Value.GetProperty("name").GetString());
        Assert.All(await emulator.GetDeliveriesAsync(cancellationToken: _ct), d => Assert.Null(d.EndpointId));
    }

    [Fact]
    public async Task A_failing_target_is_retried_with_the_same_event_until_it_answers_2xx()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, before) => before < 2 ? 500 : 200;
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { ForwardTo = receiver.Url });

        await emulator.CreateClient().V1.Products.CreateAsync(new ProductCreateOptions { Id = "flaky", Name = "Flaky" }, cancellationToken: _ct);
        var received = await receiver.WaitUntilAsync(r => r.Count >= 3);
        var attempts = await emulator.WaitForDeliveriesAsync(d => d.Any(a => a.Succeeded), cancellationToken: _ct);

        Assert.Single(received.Select(r => r.Event.Id).Distinct());
        Assert.All(received, r => WebhookSignature.Verify(r.Body, r.Signature, [emulator.WebhookSecret]));
        Assert.Equal([(1, 500), (2, 500), (3, 200)], attempts.Select(a => (a.Attempt, a.Status ?? 0)));
        Assert.True(attempts[1].AttemptedAt >= attempts[0].AttemptedAt);
    }

    [Fact]
    public async Task A_timeout_counts_as_a_failure_and_is_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Latency = before => before == 0 ? TimeSpan.FromSeconds(20) : TimeSpan.Zero;
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings
        {
            ForwardTo = receiver.Url,
            DeliveryTimeout = TimeSpan.FromSeconds(1),
        });

        await emulator.CreateClient().V1.Products.CreateAsync(new ProductCreateOptions { Name = "Slow" }, cancellationToken: _ct);
        var attempts = await emulator.WaitForDeliveriesAsync(d => d.Any(a => a.Succeeded), cancellationToken: _ct);

        Assert.Equal((1, null), (attempts[0].Attempt, attempts[0].Status));
        Assert.StartsWith("timed out after 1 s", attempts[0].Error, StringComparison.Ordinal);
        Assert.Equal((attempts.Count, 200), (attempts[^1].Attempt, attempts[^1].Status));
        Assert.True(attempts.Count >= 2);
    }

    [Fact]
    public async Task An_unreachable_target_is_given_up_after_the_configured_attempts()
    {
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings
        {
            ForwardTo = new Uri("http://127.0.0.1:1/webhook"), // nothing listens on port 1
            MaxAttempts = 3,
        });

        await emulator.CreateClient().V1.Products.CreateAsync(new ProductCreateOptions { Name = "Lost" }, cancellationToken: _ct);
        var attempts = await emulator.WaitForDeliveriesAsync(d => d.Count >= 3, cancellationToken: _ct);

        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.All(attempts, a => Assert.False(a.Succeeded));
        Assert.All(attempts, a => Assert.NotNull(a.Error));
    }

    [Fact]
    public async Task A_disabled_endpoint_gets_nothing_and_keeps_its_events_pending_until_delivered_elsewhere()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings { ForwardTo = receiver.Url });
        var stripe = emulator.CreateClient();
        var endpoint = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = receiver.Url + "?endpoint", EnabledEvents = ["*"] }, cancellationToken: _ct);
        await stripe.V1.WebhookEndpoints.UpdateAsync(endpoint.Id, new WebhookEndpointUpdateOptions { Disabled = true }, cancellationToken: _ct);

        await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Quiet" }, cancellationToken: _ct);
        var forwarded = Assert.Single(await receiver.WaitUntilAsync(r => r.Count >= 1));
        var stored = await stripe.V1.Events.GetAsync(forwarded.Event.Id, cancellationToken: _ct);

        Assert.Equal(0, stored.PendingWebhooks);
        Assert.All(await emulator.GetDeliveriesAsync(cancellationToken: _ct), d => Assert.Null(d.EndpointId));
        Assert.Empty((await stripe.V1.Events.ListAsync(new EventListOptions { DeliverySuccess = false }, cancellationToken: _ct)).Data);
    }

    [Fact]
    public async Task Under_chaos_every_event_arrives_at_least_once_and_some_twice()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var emulator = await StripeEmulatorFixture.StartAsync(new StripeEmulatorSettings
        {
            ForwardTo = receiver.Url,
            ChaosRate = 1,
            ChaosMaxDelay = TimeSpan.FromMilliseconds(100),
        });
        var stripe = emulator.CreateClient();

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = $"Chaos {i}" }, cancellationToken: _ct)).Id);
        }
        var received = await receiver.WaitUntilAsync(r => r.Select(w => w.Event.ObjectId).Distinct().Count() == ids.Count && r.Count >= 2 * ids.Count);
        var log = await emulator.WaitForDeliveriesAsync(d => d.Count >= 2 * ids.Count, cancellationToken: _ct);

        Assert.Equal(ids.Order(), received.Select(r => r.Event.ObjectId!).Distinct().Order());
        Assert.All(received.GroupBy(r => r.Event.Id), copies => Assert.True(copies.Count() >= 2));
        Assert.Equal(ids.Count, log.Where(d => d.Duplicate).Select(d => d.EventId).Distinct().Count());
        Assert.All(received, r => WebhookSignature.Verify(r.Body, r.Signature, [emulator.WebhookSecret]));
    }
}
