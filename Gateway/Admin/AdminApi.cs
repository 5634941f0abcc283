using Microsoft.AspNetCore.Http.HttpResults;
using Yapit.Billing.Inbox;

namespace Yapit.Gateway.Admin;

/// <summary>Operators' view of the webhook inbox: list by status and type, replay one event.</summary>
public static class AdminApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin").AddEndpointFilter<AdminKeyFilter>().WithTags("Admin");
        admin.MapGet("/events", ListEventsAsync)
            .WithName("ListWebhookEvents")
            .WithSummary("Inbox events, newest first; filter by status (pending, processing, done, ignored, dead) and type (price.updated or price.*).");
        admin.MapPost("/events/{id}/replay", ReplayEventAsync)
            .WithName("ReplayWebhookEvent")
            .WithSummary("Process an event again (a dead letter, or any event): attempts start over.");
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<InboxEntry>>, ProblemHttpResult>> ListEventsAsync(
        InboxStore inbox, string? status, string? type, int? limit, CancellationToken cancellationToken)
    {
        if (status is not null && !InboxStatus.All.Contains(status))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
                title: $"Unknown status '{status}'.", detail: $"Use one of: {string.Join(", ", InboxStatus.All)}.");
        }
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"limit must be between 1 and {MaxLimit}.");
        }
        return TypedResults.Ok(await inbox.ListAsync(status, string.IsNullOrWhiteSpace(type) ? null : type, limit ?? DefaultLimit, cancellationToken));
    }

    public static async Task<Results<Accepted<InboxEntry>, ProblemHttpResult>> ReplayEventAsync(
        InboxStore inbox, string id, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (found, replayed, entry) = await inbox.ReplayAsync(id, cancellationToken);
        if (!found)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No event '{id}' in the inbox.");
        }
        if (!replayed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"Event '{id}' is being processed right now; replay it once it finished.");
        }
        loggers.CreateLogger(typeof(AdminApi)).LogInformation("Operator replayed Stripe event {EventId} ({EventType})", entry!.Id, entry.Type);
        return TypedResults.Accepted($"/v1/admin/events?type={entry.Type}", entry);
    }
}
