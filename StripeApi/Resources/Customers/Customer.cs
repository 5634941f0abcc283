using Yapit.StripeApi.Common;
using Yapit.StripeApi.Resources.Subscriptions;
using Yapit.StripeApi.Resources.TestHelpers;
using Yapit.StripeApi.Serialization;

namespace Yapit.StripeApi.Resources.Customers;

/// <summary>A customer (<c>cus_...</c>). A deleted customer is still returned by retrieve, with <see cref="Deleted"/> set.</summary>
public sealed class Customer : IHasId
{
    public string Id { get; init; } = string.Empty;
    public string Object { get; init; } = "customer";
    public Address? Address { get; init; }

    /// <summary>Credit (negative) or debt (positive) applied to the next invoice, in minor units.</summary>
    public long Balance { get; init; }
    public DateTimeOffset Created { get; init; }
    public string? Currency { get; init; }

    /// <summary>True on what retrieve returns for a deleted customer (then only id and object are set).</summary>
    public bool? Deleted { get; init; }

    /// <summary>Whether the customer's latest invoice is unpaid past its due date (or its latest charge failed).</summary>
    public bool? Delinquent { get; init; }
    public string? Description { get; init; }
    public string? Email { get; init; }
    public string? InvoicePrefix { get; init; }
    public CustomerInvoiceSettings? InvoiceSettings { get; init; }
    public bool Livemode { get; init; }
    public Dictionary<string, string> Metadata { get; init; } = [];
    public string? Name { get; init; }
    public string? Phone { get; init; }
    public List<string>? PreferredLocales { get; init; }

    /// <summary>Returned only when expanded (<c>expand[]=subscriptions</c>).</summary>
    public StripeList<Subscription>? Subscriptions { get; init; }

    /// <summary><c>exempt</c>, <c>none</c> or <c>reverse</c>.</summary>
    public string? TaxExempt { get; init; }
    public Expandable<TestClock>? TestClock { get; init; }
}

public sealed class CustomerInvoiceSettings
{
    /// <summary>The payment method invoices and subscriptions charge when they name none.</summary>
    public Expandable<StripeObject>? DefaultPaymentMethod { get; init; }
    public string? Footer { get; init; }
}

/// <summary>What invoices of this customer use by default.</summary>
public sealed class CustomerInvoiceSettingsOptions
{
    public string? DefaultPaymentMethod { get; set; }
    public string? Footer { get; set; }
}

public sealed class CustomerCreateOptions : StripeOptions
{
    public Address? Address { get; set; }
    public long? Balance { get; set; }
    public string? Description { get; set; }
    public string? Email { get; set; }
    public string? InvoicePrefix { get; set; }
    public CustomerInvoiceSettingsOptions? InvoiceSettings { get; set; }
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }

    /// <summary>A payment method to attach to the new customer.</summary>
    public string? PaymentMethod { get; set; }
    public string? Phone { get; set; }
    public List<string>? PreferredLocales { get; set; }

    /// <summary><c>exempt</c>, <c>none</c> or <c>reverse</c>; an empty string clears it.</summary>
    public string? TaxExempt { get; set; }

    /// <summary>Attaches the customer to a test clock (test mode only); its subscriptions then follow that clock.</summary>
    public string? TestClock { get; set; }
}

public sealed class CustomerUpdateOptions : StripeOptions
{
    public Address? Address { get; set; }
    public long? Balance { get; set; }
    public string? Description { get; set; }
    public string? Email { get; set; }
    public string? InvoicePrefix { get; set; }
    public CustomerInvoiceSettingsOptions? InvoiceSettings { get; set; }

    /// <summary>Keys set to null are removed; an empty dictionary clears all metadata.</summary>
    public Dictionary<string, string?>? Metadata { get; set; }
    public string? Name { get; set; }
    public string? Phone { get; set; }
    public List<string>? PreferredLocales { get; set; }
    public string? TaxExempt { get; set; }
}

public sealed class CustomerListOptions : ListOptions
{
    public DateRangeFilter? Created { get; set; }

    /// <summary>Exact, case-sensitive match on the email address.</summary>
    public string? Email { get; set; }
    public string? TestClock { get; set; }
}
