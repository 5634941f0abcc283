using Polly;

namespace Yapit.ServiceDefaults.Http;

/// <summary>Runs each request through the destination's resilience pipeline.</summary>
public sealed class StandardResilienceHandler(StandardResiliencePipelines pipelines) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var originalUri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        if (request.Content is not null)
        {
            // Buffered so that a retry can send the same body again.
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StandardResiliencePipelines.RequestKey, request);
        try
        {
            var outcome = await pipelines.For(originalUri).ExecuteOutcomeAsync(
                async (ctx, state) =>
                {
                    // Each attempt starts from the logical URI, so service discovery can pick another endpoint.
                    state.Request.RequestUri = state.OriginalUri;
                    try
                    {
                        return Outcome.FromResult(await state.Handler.SendCoreAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception exception)
                    {
                        return Outcome.FromException<HttpResponseMessage>(exception);
                    }
                },
                context,
                (Handler: this, Request: request, OriginalUri: originalUri)).ConfigureAwait(false);

            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
