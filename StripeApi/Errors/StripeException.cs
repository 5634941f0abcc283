using System.Text.Json.Serialization;

namespace Yapit.StripeApi.Errors;

/// <summary>Stripe's error body: <c>{"error": {type, code, decline_code, param, message, doc_url}}</c>.</summary>
public sealed record StripeError
{
    public string Type { get; init; } = string.Empty;
    public string? Code { get; init; }
    public string? DeclineCode { get; init; }
    public string? Param { get; init; }
    public string? Message { get; init; }
    public string? DocUrl { get; init; }
}

internal sealed record StripeErrorEnvelope
{
    [JsonPropertyName("error")]
    public StripeError? Error { get; init; }
}

/// <summary>A request Stripe refused or that could not reach Stripe. One type, with the HTTP status and the error body.</summary>
public class StripeException : Exception
{
    public StripeException(int httpStatus, StripeError error, string? requestId, Exception? inner = null)
        : base(Describe(httpStatus, error, requestId), inner)
    {
        HttpStatus = httpStatus;
        Error = error;
        RequestId = requestId;
    }

    /// <summary>0 when no response was received (connection failure or timeout).</summary>
    public int HttpStatus { get; }
    public StripeError Error { get; }

    /// <summary>Stripe's Request-Id, for finding the request in the Dashboard's logs.</summary>
    public string? RequestId { get; }

    public string? Code => Error.Code;

    /// <summary>The object does not exist (404 <c>resource_missing</c>).</summary>
    public bool IsResourceMissing => Error.Code == "resource_missing";

    public bool IsConnectionFailure => HttpStatus == 0;

    private static string Describe(int status, StripeError error, string? requestId)
    {
        var what = error.Message ?? error.Type;
        var detail = string.Join(", ", new[]
        {
            status == 0 ? null : $"HTTP {status}",
            error.Code is null ? null : $"code {error.Code}",
            error.Param is null ? null : $"param {error.Param}",
            requestId is null ? null : $"request {requestId}",
        }.Where(x => x is not null));
        return detail.Length == 0 ? what : $"{what} ({detail})";
    }
}
