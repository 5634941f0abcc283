using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Yapit.Billing.Usage;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Cors;
using Yapit.Gateway.OpenApi;

namespace Yapit.Gateway.Usage;

/// <summary>
/// Usage metering: Yapit's services check, reserve and record what users spend (service credential); a signed-in
/// user reads their own balances and history.
/// </summary>
public static class UsageApi
{
    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var services = app.MapGroup("/v1/usage").AddEndpointFilter<UsageServiceFilter>().RequiresSecurityScheme(GatewayOpenApi.UsageServiceScheme).WithTags("Usage (services)");
        services.MapPost("/records", RecordAsync).WithName("RecordUsage")
            .WithSummary("Record what a user spent (one record, or a batch under records). A repeated idempotency_key changes nothing and returns the first result.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        services.MapPost("/check", CheckAsync).WithName("CheckUsage")
            .WithSummary("May this user spend amount of meter? 200 when allowed, 402 with what is available when not.")
            .ProducesProblem(StatusCodes.Status402PaymentRequired);
        services.MapPost("/reservations", ReserveAsync).WithName("ReserveUsage")
            .WithSummary("Hold an estimate for long work; checks subtract it until it is released or expires (ttl_seconds, default 3600, at most 172800). The same reservation_id, user, meter and amount replays the stored reservation; other values under it are 409.")
            .ProducesProblem(StatusCodes.Status402PaymentRequired)
            .ProducesProblem(StatusCodes.Status409Conflict);
        services.MapDelete("/reservations/{reservationId}", ReleaseAsync).WithName("ReleaseUsageReservation")
            .WithSummary("Release a reservation (always, when the work ends).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var users = app.MapGroup("/v1/usage").RequireAuthorization(AuthenticationSetup.UserPolicy).RequireFrontendCors().WithTags("Usage (users)");
        users.MapGet("/", GetUsageAsync).WithName("GetUsage").WithSummary("The signed-in user's plan in effect, period and balances per meter.");
        users.MapGet("/history", GetHistoryAsync).WithName("GetUsageHistory")
            .WithSummary("The signed-in user's records in a period (period = its start, ISO 8601; the current period by default), grouped by reference.");
        return app;
    }

    public static async Task<Results<Ok<UsageRecordResponse>, Ok<UsageRecordsResponse>, ValidationProblem, ProblemHttpResult>> RecordAsync(
        UsageRecordBody body, UsageLedger ledger, MeterCatalogSource catalogs, CancellationToken cancellationToken)
    {
        var batch = body.Records is not null;
        var items = body.Records ?? [body];
        var errors = new Dictionary<string, string[]>();
        if (batch && (items.Count == 0 || items.Count > UsageValidation.MaxBatch))
        {
            errors["records"] = [$"records must hold 1 to {UsageValidation.MaxBatch} records."];
        }
        var catalog = await catalogs.GetAsync(cancellationToken);
        var requests = new List<UsageRecordRequest>();
        for (var i = 0; i < items.Count; i++)
        {
            var prefix = batch ? $"records[{i}]." : "";
            if (items[i] is not { } item)
            {
                errors[$"records[{i}]"] = ["A record is required."];
                continue;
            }
            UsageValidation.Text(errors, prefix + "user_id", item.UserId);
            UsageValidation.Text(errors, prefix + "meter", item.Meter);
            // A zero record changes nothing yet would hold its idempotency key forever: refused (docs/billing-rules.md).
            UsageValidation.Amount(errors, prefix + "amount", item.Amount, positive: true);
            UsageValidation.Text(errors, prefix + "idempotency_key", item.IdempotencyKey);
            UsageValidation.Text(errors, prefix + "reference", item.Reference, required: false, max: 500);
            if (!string.IsNullOrWhiteSpace(item.Meter) && !catalog.HasMeter(item.Meter))
            {
                errors[prefix + "meter"] = [$"There is no meter '{item.Meter}'. Meters: {string.Join(", ", catalog.Meters.Select(m => m.Name))}."];
            }
            requests.Add(new UsageRecordRequest(item.UserId!, item.Meter!, item.Amount ?? 0, item.IdempotencyKey!, item.Reference));
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The usage record is not valid.");
        }
        // A batch's records go to the ledger together and share its commits; each has its own answer.
        var answers = await ledger.RecordManyAsync(requests, cancellationToken);
        var results = new List<UsageRecordResponse>(requests.Count);
        int? reusedAt = null;
        for (var i = 0; i < answers.Count; i++)
        {
            try
            {
                results.Add(ToResponse(await answers[i]));
            }
            catch (IdempotencyKeyReusedException)
            {
                reusedAt ??= i;
            }
        }
        if (reusedAt is { } at)
        {
            // The batch's other records are applied: they are idempotent, so the caller fixes this one and sends the batch again.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "An idempotency key was used again with other values.",
                detail: batch
                    ? $"records[{at}] reuses an idempotency key with another user, meter or amount. The batch's other records are applied; sending the batch again replays them."
                    : "The idempotency key was used before with another user, meter or amount.");
        }
        return batch ? TypedResults.Ok(new UsageRecordsResponse(results)) : TypedResults.Ok(results[0]);
    }

    public static async Task<Results<Ok<UsageCheckResponse>, ValidationProblem, ProblemHttpResult>> CheckAsync(
        UsageCheckBody body, UsageLedger ledger, MeterCatalogSource catalogs, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(body.UserId, body.Meter, body.Amount, positive: false, catalogs, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The usage check is not valid.");
        }
        var check = await ledger.CheckAsync(body.UserId!, body.Meter!, body.Amount!.Value, cancellationToken);
        return check.Allowed
            ? TypedResults.Ok(new UsageCheckResponse(check.UserId, check.Meter, check.Requested, true, check.Available, check.Available is null))
            : NotEnough(check);
    }

    public static async Task<Results<Created<UsageReservationResponse>, ValidationProblem, ProblemHttpResult>> ReserveAsync(
        UsageReservationBody body, UsageLedger ledger, MeterCatalogSource catalogs, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(body.UserId, body.Meter, body.Amount, positive: true, catalogs, cancellationToken);
        UsageValidation.Text(errors, "reservation_id", body.ReservationId, required: false);
        var maxTtl = (int)UsageLedger.MaxReservationLifetime.TotalSeconds;
        if (body.TtlSeconds is < 1 || body.TtlSeconds > maxTtl)
        {
            errors["ttl_seconds"] = [$"ttl_seconds must be between 1 and {maxTtl}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The reservation is not valid.");
        }
        try
        {
            var reservation = await ledger.ReserveAsync(body.UserId!, body.Meter!, body.Amount!.Value, body.ReservationId,
                body.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : null, cancellationToken);
            return TypedResults.Created($"/v1/usage/reservations/{reservation.ReservationId}",
                new UsageReservationResponse(reservation.ReservationId, reservation.UserId, reservation.Meter, reservation.Amount, reservation.ExpiresAt));
        }
        catch (UsageLimitExceededException refused)
        {
            return NotEnough(refused.Check);
        }
        catch (ReservationIdReusedException reused)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The reservation id was already used with other values.",
                detail: $"reservation_id '{reused.ReservationId}' is held with another {string.Join(", ", reused.Fields)}; retry with the same values to get it, or use a new id.",
                extensions: new Dictionary<string, object?> { ["conflicting_fields"] = reused.Fields });
        }
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ReleaseAsync(
        string reservationId, [FromQuery(Name = "user_id")] string? userId, UsageLedger ledger, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UsageValidation.Text(errors, "user_id", userId);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Say whose reservation to release (user_id in the query).");
        }
        return await ledger.ReleaseAsync(userId!, reservationId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such open reservation for this user.");
    }

    public static async Task<Ok<UsageSummary>> GetUsageAsync(ClaimsPrincipal user, UsageLedger ledger, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ledger.GetSummaryAsync(user.UserId()!, cancellationToken));

    public static async Task<Results<Ok<UsageHistoryResponse>, ValidationProblem>> GetHistoryAsync(
        ClaimsPrincipal user, string? period, UsageLedger ledger, CancellationToken cancellationToken)
    {
        DateTimeOffset? start = null;
        if (!string.IsNullOrEmpty(period))
        {
            if (!DateTimeOffset.TryParse(period, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["period"] = ["period must be a period's start as an ISO 8601 time."] });
            }
            start = parsed.ToUniversalTime();
        }
        var (periodStart, groups) = await ledger.GetHistoryAsync(user.UserId()!, start, cancellationToken);
        return TypedResults.Ok(new UsageHistoryResponse(periodStart, groups));
    }

    public sealed record UsageHistoryResponse(DateTimeOffset PeriodStart, IReadOnlyList<UsageHistoryGroup> Groups);

    private static async Task<Dictionary<string, string[]>> ValidateAsync(string? userId, string? meter, long? amount, bool positive, MeterCatalogSource catalogs, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UsageValidation.Text(errors, "user_id", userId);
        UsageValidation.Text(errors, "meter", meter);
        UsageValidation.Amount(errors, "amount", amount, positive);
        var catalog = await catalogs.GetAsync(cancellationToken);
        if (!string.IsNullOrWhiteSpace(meter) && !catalog.HasMeter(meter))
        {
            errors["meter"] = [$"There is no meter '{meter}'. Meters: {string.Join(", ", catalog.Meters.Select(m => m.Name))}."];
        }
        return errors;
    }

    private static ProblemHttpResult NotEnough(UsageCheckResult check) => TypedResults.Problem(
        statusCode: StatusCodes.Status402PaymentRequired,
        title: $"Not enough {check.Meter}.",
        detail: $"This needs {check.Requested}; {check.Available} available.",
        extensions: new Dictionary<string, object?>
        {
            ["meter"] = check.Meter,
            ["requested"] = check.Requested,
            ["available"] = check.Available,
            ["limit"] = check.Limit,
            ["used"] = check.Used,
            ["rollover"] = Math.Max(0, check.Rollover),
            ["debt"] = Math.Max(0, -check.Rollover),
            ["purchased"] = check.Purchased,
            ["reserved"] = check.Reserved,
        });

    private static UsageRecordResponse ToResponse(UsageRecordResult r) => new(r.IdempotencyKey, r.UserId, r.Meter, r.Amount, r.Reference, r.PeriodStart,
        new BreakdownResponse(r.Breakdown.FromAllowance, r.Breakdown.FromRollover, r.Breakdown.FromPurchased, r.Breakdown.ToDebt), r.RecordedAt, r.Replayed);
}
