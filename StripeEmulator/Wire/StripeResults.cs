using System.Text.Json;
using System.Text.Json.Nodes;
using Yapit.StripeEmulator.Store;

namespace Yapit.StripeEmulator.Wire;

/// <summary>Stripe's response bodies: indented JSON objects, and errors as <c>{"error": {...}}</c>.</summary>
public static class StripeResults
{
    public const string JsonContentType = "application/json";

    public static IResult Json(JsonNode body, int status = StatusCodes.Status200OK) => new JsonNodeResult(body, status);

    public static byte[] ErrorBody(StripeErrorException error)
    {
        var body = new JsonObject();
        if (error.Code is not null)
        {
            body["code"] = error.Code;
            body["doc_url"] = $"https://stripe.com/docs/error-codes/{error.Code.Replace('_', '-')}";
        }
        if (error.DeclineCode is not null)
        {
            body["decline_code"] = error.DeclineCode;
        }
        body["message"] = error.Message;
        if (error.Param is not null)
        {
            body["param"] = error.Param;
        }
        body["type"] = error.Type;
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["error"] = body }, StoreSnapshot.JsonOptions);
    }

    public static async Task WriteErrorAsync(HttpContext context, StripeErrorException error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = JsonContentType;
        if (error.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Stripe\"";
        }
        await context.Response.Body.WriteAsync(ErrorBody(error), context.RequestAborted).ConfigureAwait(false);
    }

    private sealed class JsonNodeResult(JsonNode body, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = JsonContentType;
            await httpContext.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, StoreSnapshot.JsonOptions), httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
