using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.Products;

public sealed class ProductService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    public Task<Product> CreateAsync(ProductCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Product>("/v1/products", options, requestOptions, cancellationToken);

    public Task<Product> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<Product>("/v1/products/{id}", options, requestOptions, cancellationToken, id);

    public Task<Product> UpdateAsync(string id, ProductUpdateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<Product>("/v1/products/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Only products no price uses can be deleted; deactivate the others.</summary>
    public Task<DeletedObject> DeleteAsync(string id, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeletedObject>("/v1/products/{id}", null, requestOptions, cancellationToken, id);

    public Task<StripeList<Product>> ListAsync(ProductListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<Product>>("/v1/products", options, requestOptions, cancellationToken);

    public IAsyncEnumerable<Product> ListAutoPagingAsync(ProductListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<Product, ProductListOptions>("/v1/products", options ?? new(), requestOptions, cancellationToken);
}
