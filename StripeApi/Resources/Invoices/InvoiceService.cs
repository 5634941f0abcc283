using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Invoices;

public sealed class InvoiceService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<Invoice> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<Invoice>("/v1/invoices/{id}", options, requestOptions, cancellationToken, id);

    public Task<StripeList<Invoice>> ListAsync(InvoiceListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<Invoice>>("/v1/invoices", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<Invoice> ListAutoPagingAsync(InvoiceListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<Invoice, InvoiceListOptions>("/v1/invoices", options ?? new(), requestOptions, cancellationToken);

    /// <summary>A preview of an invoice (the next one, or after a proposed change); nothing is created.</summary>
    public Task<Invoice> CreatePreviewAsync(InvoiceCreatePreviewOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Invoice>("/v1/invoices/create_preview", options, requestOptions, cancellationToken);

    public Task<StripeList<InvoiceLineItem>> ListLineItemsAsync(string invoiceId, InvoiceLineItemListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<InvoiceLineItem>>("/v1/invoices/{id}/lines", options, requestOptions, cancellationToken, invoiceId);

    public IAsyncEnumerable<InvoiceLineItem> ListLineItemsAutoPagingAsync(string invoiceId, InvoiceLineItemListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<InvoiceLineItem, InvoiceLineItemListOptions>("/v1/invoices/{id}/lines", options ?? new(), requestOptions, cancellationToken, invoiceId);
}
