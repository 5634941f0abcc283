using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Yapit.Gateway.Extensions;

/// <summary>
/// Answers a <see cref="BadHttpRequestException"/> (a body shorter than its length or too slow, a request minimal
/// APIs could not bind) with its own status code (400, 408, 413) as Problem Details, instead of the 500 an unhandled
/// exception gets. A 400 is a validation problem whose <c>errors</c> names the field: the JSON path of the value that
/// did not bind (<c>records[1].amount</c>), or <c>body</c> when the body is not JSON at all. The exception's message
/// may quote the request, so it is logged, not returned.
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
        ProblemDetails problem = bad.StatusCode == StatusCodes.Status400BadRequest
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [FieldOf(bad)] = [MessageOf(bad)] })
            {
                Status = bad.StatusCode,
                Title = "The request is not valid.",
            }
            : new ProblemDetails { Status = bad.StatusCode, Title = ReasonPhrases.GetReasonPhrase(bad.StatusCode) };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    /// <summary>The field a JSON error is at: its path without the root (<c>$.records[1].amount</c> is <c>records[1].amount</c>).</summary>
    private static string FieldOf(BadHttpRequestException bad) => bad.InnerException is JsonException { Path: { Length: > 1 } path } && path[0] == '$'
        ? path[1] == '.' ? path[2..] : path[1..]
        : "body";

    private static string MessageOf(BadHttpRequestException bad) => bad.InnerException is JsonException { Path: { Length: > 2 } }
        ? "The value is not of the expected type: numbers are JSON integers within range (not strings, fractions or exponents), flags are true or false, texts are strings."
        : "The body is not valid JSON for this request.";
}
