using Microsoft.AspNetCore.Http.HttpResults;
using Yapit.Billing.Inbox;
using Yapit.Gateway.OpenApi;

namespace Yapit.Gateway.Admin;

/// <summary>Operators' view of the webhook inbox: list by status and type, replay one event.</summary>
public static class AdminApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin").AddEndpointFilter<AdminKeyFilter>().RequiresSecurityScheme(GatewayOpenApi.AdminScheme).WithTags("Admin");
        admin.MapGet("/events", ListEventsAsync)
            .WithName("ListWebhookEvents")
            .WithSummary("Inbox events, newest first; filter by status (pending, processing, done, ignored, dead) and type (price.updated or price.*).");
        admin.MapPost("/events/{id}/replay", ReplayEventAsync)
            .WithName("ReplayWebhookEvent")
            .WithSummary("Process an event again (a dead letter, or any event): attempts start over.");
        return app;
    }

    /// <remarks>
    /// Every query value is bound as text and checked here, so a bad one is a 400 naming the parameter in every
    /// environment (a failed typed binding would throw in Development and answer an empty 400 elsewhere), and no
    /// answer echoes what was sent.
    /// </remarks>
    public static async Task<Results<Ok<IReadOnlyList<InboxEntry>>, ValidationProblem>> ListEventsAsync(
        InboxStore inbox, string? status, string? type, string? limit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (status is not null && !InboxStatus.All.Contains(status))
        {
            errors["status"] = [$"Unknown status. Use one of: {string.Join(", ", InboxStatus.All)}."];
        }
        if (!string.IsNullOrWhiteSpace(type) && !IsEventTypeFilter(type))
        {
            errors["type"] = [$"Not an event type: use printable ASCII of at most {MaxTypeLength} characters, like price.updated or price.*."];
        }
        var count = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number between 1 and {MaxLimit}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query has invalid values.");
        }
        return TypedResults.Ok(await inbox.ListAsync(status, string.IsNullOrWhiteSpace(type) ? null : type, count, cancellationToken));
    }

    public static async Task<Results<Accepted<InboxEntry>, ProblemHttpResult, ValidationProblem>> ReplayEventAsync(
        InboxStore inbox, string id, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!Yapit.Gateway.Webhooks.WebhookEnvelope.IsEventId(id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["Not a Stripe event id (evt_ followed by letters, digits and underscores)."] },
                title: "The event id is invalid.");
        }
        var (found, replayed, entry) = await inbox.ReplayAsync(id, cancellationToken);
        if (!found)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such event in the inbox.");
        }
        if (!replayed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The event is being processed right now; replay it once it finished.");
        }
        loggers.CreateLogger(typeof(AdminApi)).LogInformation("Operator replayed Stripe event {EventId} ({EventType})", entry!.Id, entry.Type);
        return TypedResults.Accepted($"/v1/admin/events?type={Uri.EscapeDataString(entry.Type)}", entry);
    }

    public const int MaxTypeLength = 255;

    private static bool IsEventTypeFilter(string type) =>
        Yapit.Gateway.Webhooks.WebhookEnvelope.IsPrintableToken(type, MaxTypeLength);
}
