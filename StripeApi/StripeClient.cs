using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yapit.StripeApi.Http;
using Yapit.StripeApi.Resources.BillingPortal;
using Yapit.StripeApi.Resources.Checkout;
using Yapit.StripeApi.Resources.Coupons;
using Yapit.StripeApi.Resources.Customers;
using Yapit.StripeApi.Resources.Events;
using Yapit.StripeApi.Resources.Invoices;
using Yapit.StripeApi.Resources.Prices;
using Yapit.StripeApi.Resources.Products;
using Yapit.StripeApi.Resources.PromotionCodes;
using Yapit.StripeApi.Resources.SubscriptionItems;
using Yapit.StripeApi.Resources.Subscriptions;
using Yapit.StripeApi.Resources.TestHelpers;
using Yapit.StripeApi.Resources.WebhookEndpoints;

namespace Yapit.StripeApi;

/// <summary>
/// The Stripe API, one service per resource, all over one request pipeline. Knows whether its key acts in test or
/// live mode (<see cref="Mode"/>) so callers can refuse live mode unless asked for it.
/// </summary>
public sealed class StripeClient
{
    public StripeClient(HttpClient http, IOptions<StripeClientOptions> options, ILogger<StripeClient>? logger = null, TimeProvider? time = null)
        : this(new StripeRequestPipeline(http, options.Value, time, logger))
    {
    }

    /// <summary>A client with its own HttpClient, for scripts and samples.</summary>
    public StripeClient(StripeClientOptions options)
        : this(new StripeRequestPipeline(new HttpClient(), options))
    {
    }

    public StripeClient(StripeRequestPipeline pipeline)
    {
        Pipeline = pipeline;
        Products = new ProductService(pipeline);
        Prices = new PriceService(pipeline);
        Coupons = new CouponService(pipeline);
        PromotionCodes = new PromotionCodeService(pipeline);
        BillingPortal = new BillingPortalServices(pipeline);
        WebhookEndpoints = new WebhookEndpointService(pipeline);
        Events = new EventService(pipeline);
        Customers = new CustomerService(pipeline);
        Checkout = new CheckoutServices(pipeline);
        Subscriptions = new SubscriptionService(pipeline);
        SubscriptionItems = new SubscriptionItemService(pipeline);
        Invoices = new InvoiceService(pipeline);
        TestHelpers = new TestHelpersServices(pipeline);
    }

    public StripeRequestPipeline Pipeline { get; }

    public StripeMode Mode => Pipeline.Mode;

    public bool IsLiveMode => Mode == StripeMode.Live;

    public ProductService Products { get; }
    public PriceService Prices { get; }
    public CouponService Coupons { get; }
    public PromotionCodeService PromotionCodes { get; }
    public BillingPortalServices BillingPortal { get; }
    public WebhookEndpointService WebhookEndpoints { get; }
    public EventService Events { get; }
    public CustomerService Customers { get; }
    public CheckoutServices Checkout { get; }
    public SubscriptionService Subscriptions { get; }
    public SubscriptionItemService SubscriptionItems { get; }
    public InvoiceService Invoices { get; }

    /// <summary>Test-mode helpers (test clocks); Stripe refuses them with a live key.</summary>
    public TestHelpersServices TestHelpers { get; }
}
