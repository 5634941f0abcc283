using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace Yapit.Gateway.Extensions;

/// <summary>
/// Answers a <see cref="BadHttpRequestException"/> (a body shorter than its length or too slow, a request minimal
/// APIs could not bind, which they throw in Development) with its own status code (400, 408, 413) as Problem Details,
/// instead of the 500 an unhandled exception gets. The exception's message may quote the request, so it is logged,
/// not returned.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }
        logger.LogWarning("Bad request to {Path}: {Reason}", httpContext.Request.Path, bad.Message);
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = ReasonPhrases.GetReasonPhrase(bad.StatusCode) },
        });
    }
}
