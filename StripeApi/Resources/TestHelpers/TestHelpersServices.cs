using Yapit.StripeApi.Common;
using Yapit.StripeApi.Http;

namespace Yapit.StripeApi.Resources.TestHelpers;

/// <summary>Test helpers (<c>/v1/test_helpers/...</c>): they exist only in test mode.</summary>
public sealed class TestHelpersServices(StripeRequestPipeline pipeline)
{
    public TestClockService TestClocks { get; } = new(pipeline);
}

public sealed class TestClockService(StripeRequestPipeline pipeline) : StripeService(pipeline)
{
    private const string Path = "/v1/test_helpers/test_clocks";

    public Task<TestClock> CreateAsync(TestClockCreateOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<TestClock>(Path, options, requestOptions, cancellationToken);

    public Task<TestClock> GetAsync(string id, GetOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<TestClock>(Path + "/{id}", options, requestOptions, cancellationToken, id);

    /// <summary>Starts advancing; poll <see cref="GetAsync"/> until the status is <c>ready</c>.</summary>
    public Task<TestClock> AdvanceAsync(string id, TestClockAdvanceOptions options, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        PostAsync<TestClock>(Path + "/{id}/advance", options, requestOptions, cancellationToken, id);

    /// <summary>Deletes the clock and every object attached to it.</summary>
    public Task<DeletedObject> DeleteAsync(string id, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        DeleteAsync<DeletedObject>(Path + "/{id}", null, requestOptions, cancellationToken, id);

    public Task<StripeList<TestClock>> ListAsync(TestClockListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        GetAsync<StripeList<TestClock>>(Path, options, requestOptions, cancellationToken);

    public IAsyncEnumerable<TestClock> ListAutoPagingAsync(TestClockListOptions? options = null, RequestOptions? requestOptions = null, CancellationToken cancellationToken = default) =>
        ListAllAsync<TestClock, TestClockListOptions>(Path, options ?? new(), requestOptions, cancellationToken);
}
