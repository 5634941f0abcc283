using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Customers;

public sealed class CustomerService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<Customer> CreateAsync(CustomerCreateOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Customer>("/v1/customers", options, requestOptions, cancellationToken);

    /// <summary>A deleted customer is returned too, with <see cref="Customer.Deleted"/> set.</summary>
    public Task<Customer> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<Customer>("/v1/customers/{id}", options, requestOptions, cancellationToken, id);

    public Task<Customer> UpdateAsync(string id, CustomerUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Customer>("/v1/customers/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Deletes the customer and cancels its active subscriptions at once.</summary>
    public Task<DeletedObject> DeleteAsync(string id, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeletedObject>("/v1/customers/{id}", null, requestOptions, cancellationToken, id);

    public Task<StripeList<Customer>> ListAsync(CustomerListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<Customer>>("/v1/customers", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<Customer> ListAutoPagingAsync(CustomerListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<Customer, CustomerListOptions>("/v1/customers", options ?? new(), requestOptions, cancellationToken);
}
