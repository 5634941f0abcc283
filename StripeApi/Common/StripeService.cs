using System.Runtime.CompilerServices;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Common;

/// <summary>Base of the per-resource services: the verbs, over the one request pipeline.</summary>
public abstract class StripeService(StripeRequestPipeline pipeline)
{
    protected StripeRequestPipeline Pipeline { get; } = pipeline;

    protected Task<T> PostAsync<T>(string path, object? parameters, RequestOptions? requestOptions, CancellationToken cancellationToken, params string[] ids) =>
        Pipeline.SendAsync<T>(HttpMethod.Post, path, ids, parameters, requestOptions, cancellationToken);

    protected Task<T> GetAsync<T>(string path, object? parameters, RequestOptions? requestOptions, CancellationToken cancellationToken, params string[] ids) =>
        Pipeline.SendAsync<T>(HttpMethod.Get, path, ids, parameters, requestOptions, cancellationToken);

    protected Task<T> DeleteAsync<T>(string path, object? parameters, RequestOptions? requestOptions, CancellationToken cancellationToken, params string[] ids) =>
        Pipeline.SendAsync<T>(HttpMethod.Delete, path, ids, parameters, requestOptions, cancellationToken);

    /// <summary>
    /// Every item of a list, fetched page by page with <c>starting_after</c> (100 per page unless the options say
    /// less). Pages are fetched lazily as the caller enumerates.
    /// </summary>
    protected async IAsyncEnumerable<T> ListAllAsync<T, TOptions>(
        string path,
        TOptions options,
        RequestOptions? requestOptions,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        params string[] ids)
        where T : IHasId
        where TOptions : ListOptions
    {
        if (options.EndingBefore is not null)
        {
            throw new ArgumentException("Auto-paging goes forward with starting_after; ending_before is not supported.", nameof(options));
        }
        var limit = options.Limit ?? ListOptions.MaxLimit;
        if (limit is < 1 or > ListOptions.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"limit must be between 1 and {ListOptions.MaxLimit}.");
        }
        // The options object carries the cursor between pages; the caller's values are put back afterwards.
        var (originalLimit, originalStart) = (options.Limit, options.StartingAfter);
        options.Limit = limit;
        try
        {
            while (true)
            {
                var page = await GetAsync<StripeList<T>>(path, options, requestOptions, cancellationToken, ids).ConfigureAwait(false);
                foreach (var item in page.Data)
                {
                    yield return item;
                }
                if (!page.HasMore || page.Data.Count == 0)
                {
                    yield break;
                }
                options.StartingAfter = page.Data[^1].Id;
            }
        }
        finally
        {
            options.Limit = originalLimit;
            options.StartingAfter = originalStart;
        }
    }
}
