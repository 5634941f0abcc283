using System.Text;
using Stripe;
using Yapit.BillingWorker.Handlers;
using Yapit.BillingWorker.Inbox;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.StripeNet;

/// <summary>The worker reads stored payloads as Stripe.net events, and never reads another API version's shape silently.</summary>
[Trait("Category", "Unit")]
public sealed class StripeEventReaderTests
{
    private sealed class PinnedShapeHandler : IStripeEventHandler
    {
        public Task HandleAsync(Event stripeEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class AnyVersionHandler : IStripeEventHandler
    {
        public bool ReadsAnyApiVersion => true;

        public Task HandleAsync(Event stripeEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static string Payload(string apiVersion, string? replace = null)
    {
        var json = Encoding.UTF8.GetString(SignedEvents.Body(id: "evt_reader_1", type: "price.updated", objectId: "price_42"))
            .Replace("\"api_version\":\"2026-10-28.endive\"", $"\"api_version\":\"{apiVersion}\"", StringComparison.Ordinal);
        return replace is null ? json : json.Replace("\"unit_amount\":1000", replace, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_of_the_pinned_version_is_read_with_a_typed_object()
    {
        var stripeEvent = StripeEventReader.Read(Payload(StripeConfiguration.ApiVersion), new PinnedShapeHandler());

        var price = Assert.IsType<Price>(stripeEvent.Data.Object);
        Assert.Equal(("evt_reader_1", "price.updated", "price_42"), (stripeEvent.Id, stripeEvent.Type, price.Id));
        Assert.Equal(("yapit_basic_monthly_v2", 1000L), (price.LookupKey, price.UnitAmount));
        Assert.Equal("key", stripeEvent.Request.IdempotencyKey);
    }

    [Fact]
    public void The_pinned_version_is_the_one_stripe_net_sends()
    {
        Assert.Equal("2026-10-28.endive", StripeEventReader.PinnedApiVersion);
        Assert.True(StripeEventReader.IsCompatible("2026-10-28.endive"));
        Assert.True(StripeEventReader.IsCompatible("2026-11-17.endive")); // same release train: no breaking change
        Assert.False(StripeEventReader.IsCompatible("2025-03-31.basil"));
        Assert.False(StripeEventReader.IsCompatible(null));
    }

    [Fact]
    public void An_older_version_is_dead_lettered_for_a_handler_that_needs_the_pinned_shape_with_both_versions_and_the_fix()
    {
        var error = Assert.Throws<PermanentEventFailureException>(() => StripeEventReader.Read(Payload("2024-06-20"), new PinnedShapeHandler()));

        Assert.Contains("evt_reader_1", error.Message, StringComparison.Ordinal);
        Assert.Contains("2024-06-20", error.Message, StringComparison.Ordinal);
        Assert.Contains("2026-10-28.endive", error.Message, StringComparison.Ordinal);
        Assert.Contains("create one with api_version 2026-10-28.endive", error.Message, StringComparison.Ordinal);
        Assert.Contains("/v1/admin/events/evt_reader_1/replay", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_older_version_is_handled_when_the_handler_reads_only_what_every_version_has()
    {
        var stripeEvent = StripeEventReader.Read(Payload("2025-03-31.basil"), new AnyVersionHandler());

        Assert.Equal("price_42", stripeEvent.ObjectId);
    }

    [Fact]
    public void An_older_version_whose_shape_cannot_be_read_is_dead_lettered_naming_both_versions_even_for_a_tolerant_handler()
    {
        // A field whose type changed between versions: Stripe.net cannot read it into today's model.
        var payload = Payload("2019-12-03", replace: "\"unit_amount\":{\"value\":1000}");

        var error = Assert.Throws<PermanentEventFailureException>(() => StripeEventReader.Read(payload, new AnyVersionHandler()));

        Assert.Contains("2019-12-03", error.Message, StringComparison.Ordinal);
        Assert.Contains("2026-10-28.endive", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    public void A_payload_that_is_not_an_event_is_a_permanent_failure(string payload)
    {
        var error = Assert.Throws<PermanentEventFailureException>(() => StripeEventReader.Read(payload, new AnyVersionHandler()));

        Assert.DoesNotContain("api_version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_catalog_handler_reads_events_of_any_version_since_it_re_reads_from_stripe()
    {
        Assert.True(((IStripeEventHandler)new CatalogEventHandler(null!, null!, null!)).ReadsAnyApiVersion);
    }
}
