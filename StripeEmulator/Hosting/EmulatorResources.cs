using Yapit.StripeEmulator.Catalog.Coupons;
using Yapit.StripeEmulator.Catalog.Prices;
using Yapit.StripeEmulator.Catalog.Products;
using Yapit.StripeEmulator.Catalog.PromotionCodes;
using Yapit.StripeEmulator.Checkout;
using Yapit.StripeEmulator.Customers;
using Yapit.StripeEmulator.Invoices;
using Yapit.StripeEmulator.PaymentMethods;
using Yapit.StripeEmulator.Resources;
using Yapit.StripeEmulator.Store;
using Yapit.StripeEmulator.Subscriptions;
using Yapit.StripeEmulator.TestClocks;

namespace Yapit.StripeEmulator.Hosting;

/// <summary>The resources served through <see cref="ResourceApi"/>: each registers its definition and maps its routes.</summary>
public static class EmulatorResources
{
    public static IReadOnlyList<ResourceApi> All { get; } =
    [
        ProductsApi.Resource,
        PricesApi.Resource,
        CouponsApi.Resource,
        PromotionCodesApi.Resource,
        CustomerResource.Api,
        PaymentMethodResource.Api,
        SubscriptionResource.Api,
        SubscriptionResource.ItemsApi,
        InvoiceResource.Api,
        InvoiceResource.PaymentsApi,
        InvoiceItems.Api,
        Refunds.Charges.Api,
        Refunds.RefundResource.Api,
        CreditNotes.CreditNoteResource.Api,
        SetupIntents.SetupIntentResource.Api,
        PaymentIntents.Api,
        CheckoutSessionResource.Api,
        TestClockResource.Api,
    ];

    /// <summary>Kinds of objects the store holds and renders that have no routes of their own.</summary>
    public static IReadOnlyList<ResourceDefinition> Embedded { get; } =
    [
        Catalog.Products.TaxCodes.Definition,
        Discounts.Definition,
        CustomerBalance.Definition,
    ];
}
