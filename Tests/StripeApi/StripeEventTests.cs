using System.Text;
using System.Text.Json;
using Yapit.StripeApi.Resources.Checkout;
using Yapit.StripeApi.Resources.Invoices;
using Yapit.StripeApi.Resources.Subscriptions;
using Yapit.StripeApi.Webhooks;

namespace Yapit.Tests.StripeApi;

/// <summary>The event envelope Stripe delivers to webhooks.</summary>
public sealed class StripeEventTests
{
    private const string SubscriptionUpdated = """
        {
          "id": "evt_1SubUpdated",
          "object": "event",
          "api_version": "2026-10-28.endive",
          "created": 1767225700,
          "context": "acct_future_field",
          "data": {
            "object": {
              "id": "sub_123",
              "object": "subscription",
              "status": "active",
              "customer": "cus_123",
              "cancel_at_period_end": true,
              "cancel_at": 1769904000,
              "currency": "usd",
              "metadata": {"user_id": "42"},
              "items": {
                "object": "list",
                "data": [{
                  "id": "si_1", "object": "subscription_item", "subscription": "sub_123", "quantity": 1,
                  "current_period_start": 1767225600, "current_period_end": 1769904000,
                  "price": {"id": "price_plus_monthly", "object": "price", "lookup_key": "plus_monthly", "currency": "usd",
                            "unit_amount": 1200, "type": "recurring", "recurring": {"interval": "month", "interval_count": 1}}
                }],
                "has_more": false,
                "url": "/v1/subscription_items?subscription=sub_123"
              }
            },
            "previous_attributes": {"cancel_at_period_end": false, "cancel_at": null}
          },
          "livemode": false,
          "pending_webhooks": 2,
          "request": {"id": "req_9", "idempotency_key": "yapit-abc"},
          "type": "customer.subscription.updated"
        }
        """;

    [Fact]
    public void The_envelope_fields_are_read_and_unknown_ones_ignored()
    {
        var e = StripeEvent.Parse(Encoding.UTF8.GetBytes(SubscriptionUpdated));

        Assert.Equal("evt_1SubUpdated", e.Id);
        Assert.Equal("event", e.Object);
        Assert.Equal("customer.subscription.updated", e.Type);
        Assert.Equal("2026-10-28.endive", e.ApiVersion);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225700), e.Created);
        Assert.False(e.Livemode);
        Assert.Equal(2, e.PendingWebhooks);
        Assert.Equal("req_9", e.Request?.Id);
        Assert.Equal("yapit-abc", e.Request?.IdempotencyKey);
        Assert.Equal("sub_123", e.ObjectId);
        Assert.Equal("subscription", e.ObjectType);
    }

    [Fact]
    public void Previous_attributes_hold_the_changed_fields_old_values()
    {
        var e = StripeEvent.Parse(Encoding.UTF8.GetBytes(SubscriptionUpdated));

        var previous = Assert.NotNull(e.Data.PreviousAttributes);
        Assert.False(previous.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Equal(JsonValueKind.Null, previous.GetProperty("cancel_at").ValueKind);
    }

    [Fact]
    public void The_object_reads_as_its_typed_resource()
    {
        var subscription = StripeEvent.Parse(Encoding.UTF8.GetBytes(SubscriptionUpdated)).GetObject<Subscription>();

        Assert.Equal("sub_123", subscription.Id);
        Assert.Equal(SubscriptionStatuses.Active, subscription.Status);
        Assert.Equal("cus_123", subscription.Customer?.Id);
        Assert.True(subscription.CancelAtPeriodEnd);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769904000), subscription.CancelAt);
        var item = Assert.Single(subscription.Items.Data);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767225600), item.CurrentPeriodStart);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1769904000), item.CurrentPeriodEnd);
        Assert.Equal("plus_monthly", item.Price?.LookupKey);
        Assert.Equal("42", subscription.Metadata["user_id"]);
    }

    [Fact]
    public void An_event_without_previous_attributes_has_none()
    {
        var e = StripeEvent.Parse("""
            {"id":"evt_2","object":"event","api_version":"2026-10-28.endive","created":1767225800,"livemode":true,
             "type":"checkout.session.completed","request":{"id":null,"idempotency_key":null},
             "data":{"object":{"id":"cs_test_1","object":"checkout.session","mode":"subscription","status":"complete",
               "payment_status":"paid","subscription":"sub_123","customer":"cus_123","client_reference_id":"user_42",
               "expires_at":1767312000,"metadata":{"user_id":"42"},"url":null}}}
            """u8);

        Assert.True(e.Livemode);
        Assert.Null(e.Data.PreviousAttributes);
        Assert.Null(e.Request?.Id);
        var session = e.GetObject<CheckoutSession>();
        Assert.Equal("sub_123", session.Subscription?.Id);
        Assert.Equal("user_42", session.ClientReferenceId);
        Assert.Equal(CheckoutSessionStatuses.Complete, session.Status);
    }

    [Fact]
    public void An_invoice_event_names_its_subscription_through_its_parent()
    {
        var e = StripeEvent.Parse("""
            {"id":"evt_3","object":"event","created":1767225900,"livemode":false,"type":"invoice.paid",
             "data":{"object":{"id":"in_1","object":"invoice","status":"paid","billing_reason":"subscription_cycle",
               "amount_due":1200,"amount_paid":1200,"amount_remaining":0,"currency":"usd","customer":"cus_123",
               "period_start":1764547200,"period_end":1767225600,
               "parent":{"type":"subscription_details","quote_details":null,
                         "subscription_details":{"subscription":"sub_123","metadata":{"user_id":"42"}}},
               "lines":{"object":"list","data":[],"has_more":false,"url":"/v1/invoices/in_1/lines"}}}}
            """u8);

        var invoice = e.GetObject<Invoice>();
        Assert.Equal("sub_123", invoice.SubscriptionId);
        Assert.Equal(InvoiceBillingReasons.SubscriptionCycle, invoice.BillingReason);
        Assert.Equal("invoice", e.ObjectType);
        Assert.Null(e.ApiVersion);
    }
}
