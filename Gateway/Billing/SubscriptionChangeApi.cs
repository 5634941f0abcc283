using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Stripe;
using Yapit.Billing.Subscriptions;
using Yapit.Gateway.Auth;
using Yapit.Gateway.Cors;

namespace Yapit.Gateway.Billing;

/// <summary>
/// The signed-in user's plan changes: preview, change, cancel and reactivate. Each answers what Stripe said right
/// after the call (the subscription as <c>GET /v1/billing/subscription</c> shows it) and refuses with a problem naming
/// the field or the state at fault.
/// </summary>
public static class SubscriptionChangeApi
{
    public static IEndpointRouteBuilder MapSubscriptionChangeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/billing/subscription").WithTags("Billing").RequireAuthorization(AuthenticationSetup.UserPolicy).RequireFrontendCors();
        group.MapPost("/preview", PreviewAsync).WithName("PreviewPlanChange")
            .WithSummary("What changing to {tier, interval} would be (upgrade, downgrade, interval_switch, no_op), the amount due now and the next invoice, from Stripe's invoice preview.");
        group.MapPost("/change", ChangeAsync).WithName("ChangePlan")
            .WithSummary("Change to {tier, interval}: upgrades at once with the proration invoiced now; downgrades by the configured policy (grace or at_period_end); yearly to monthly at period end.");
        group.MapPost("/cancel", CancelAsync).WithName("CancelSubscription")
            .WithSummary("Cancel at the end of the period ({at_period_end: true}) or now ({at_period_end: false}, no refund).");
        group.MapPost("/reactivate", ReactivateAsync).WithName("ReactivateSubscription")
            .WithSummary("Undo a cancellation that has not taken effect yet (409 when the subscription already ended).");
        return app;
    }

    /// <param name="PreviewToken">The preview's <c>preview_token</c>: the change then charges exactly the preview's amount.</param>
    public sealed record PlanChangeBody(
        [property: Required] string? Tier, [property: Required] string? Interval, string? PreviewToken = null);

    public sealed record CancelBody([property: Required] bool? AtPeriodEnd);

    public sealed record InvoiceView(long Amount, DateTimeOffset? Date);

    /// <param name="ProrationDate">Stripe's time the amounts are prorated at.</param>
    /// <param name="PreviewToken">Send it with the change (for <see cref="PreviewTokens.Lifetime"/>) to be charged exactly <paramref name="AmountDueNow"/>.</param>
    public sealed record PreviewResponse(string Classification, string Timing, PlanSide From, PlanSide To, string Currency, long AmountDueNow, InvoiceView? NextInvoice, DateTimeOffset? EffectiveAt,
        DateTimeOffset ProrationDate, string PreviewToken);

    public sealed record ChangeResponse(string RequestId, string Classification, string Timing, DateTimeOffset? EffectiveAt, ChangePayment? Payment, BillingApi.SubscriptionResponse Subscription);

    public sealed record CancelResponse(string RequestId, BillingApi.SubscriptionResponse Subscription);

    public static async Task<Results<Ok<PreviewResponse>, ValidationProblem, ProblemHttpResult>> PreviewAsync(
        PlanChangeBody? body, ClaimsPrincipal user, PlanChangeService service, PreviewTokens tokens, CancellationToken cancellationToken)
    {
        if (Validate(body) is { } invalid)
        {
            return invalid;
        }
        return await RefusalsAsProblems(async () =>
        {
            var preview = await service.PreviewAsync(user.UserId()!, body!.Tier!, body.Interval!, cancellationToken);
            return TypedResults.Ok(new PreviewResponse(PlanChangeService.KindName(preview.Kind), PlanChangeService.TimingName(preview.Timing), preview.From, preview.To,
                preview.Currency, preview.AmountDueNow, preview.NextInvoice is { } next ? new InvoiceView(next.Amount, next.Date) : null, preview.EffectiveAt,
                preview.ProrationDate, tokens.Issue(user.UserId()!, body.Tier!, body.Interval!, preview.ProrationDate)));
        });
    }

    public static async Task<Results<Ok<ChangeResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        PlanChangeBody? body, ClaimsPrincipal user, HttpRequest request, PlanChangeService service, PreviewTokens tokens, SubscriptionStore subscriptions, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Validate(body) is { } invalid)
        {
            return invalid;
        }
        if (RequestIdOf(request) is not { } requestId)
        {
            return IdempotencyKeyProblem();
        }
        DateTimeOffset? prorationDate = null;
        if (body!.PreviewToken is { } token)
        {
            if (tokens.Read(token, user.UserId()!, body.Tier!, body.Interval!) is not { } date)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The preview is stale.",
                    detail: $"preview_token is expired (older than {PreviewTokens.Lifetime.TotalMinutes:0} minutes), not valid, or for another plan; ask for a new preview (POST /v1/billing/subscription/preview).");
            }
            prorationDate = date;
        }
        return await RefusalsAsProblems(async () =>
        {
            var result = await service.ChangeAsync(user.UserId()!, body.Tier!, body.Interval!, requestId, cancellationToken, prorationDate);
            var view = (await BillingApi.GetSubscriptionAsync(user, subscriptions, time, cancellationToken)).Value!;
            return TypedResults.Ok(new ChangeResponse(result.RequestId, PlanChangeService.KindName(result.Kind), PlanChangeService.TimingName(result.Timing),
                result.EffectiveAt, result.Payment, view));
        });
    }

    public static async Task<Results<Ok<CancelResponse>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        CancelBody? body, ClaimsPrincipal user, HttpRequest request, PlanChangeService service, SubscriptionStore subscriptions, TimeProvider time, CancellationToken cancellationToken)
    {
        if (body?.AtPeriodEnd is not { } atPeriodEnd)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["at_period_end"] = ["at_period_end is required: true (at the end of the period) or false (now)."] },
                title: "The cancellation is not valid.");
        }
        if (RequestIdOf(request) is not { } requestId)
        {
            return IdempotencyKeyProblem();
        }
        return await RefusalsAsProblems(async () =>
        {
            await service.CancelAsync(user.UserId()!, atPeriodEnd, requestId, cancellationToken);
            return TypedResults.Ok(new CancelResponse(requestId, (await BillingApi.GetSubscriptionAsync(user, subscriptions, time, cancellationToken)).Value!));
        });
    }

    public static async Task<Results<Ok<CancelResponse>, ValidationProblem, ProblemHttpResult>> ReactivateAsync(
        ClaimsPrincipal user, HttpRequest request, PlanChangeService service, SubscriptionStore subscriptions, TimeProvider time, CancellationToken cancellationToken)
    {
        if (RequestIdOf(request) is not { } requestId)
        {
            return IdempotencyKeyProblem();
        }
        return await RefusalsAsProblems(async () =>
        {
            await service.ReactivateAsync(user.UserId()!, requestId, cancellationToken);
            return TypedResults.Ok(new CancelResponse(requestId, (await BillingApi.GetSubscriptionAsync(user, subscriptions, time, cancellationToken)).Value!));
        });
    }

    private static ValidationProblem? Validate(PlanChangeBody? body)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body?.Tier))
        {
            errors["tier"] = ["tier is required (basic, plus or max; GET /v1/billing/plans lists them)."];
        }
        if (body?.Interval is not ("monthly" or "yearly"))
        {
            errors["interval"] = [body?.Interval is null ? "interval is required: monthly or yearly." : $"interval must be monthly or yearly, not '{Truncate(body.Interval)}'."];
        }
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors, title: "The plan change is not valid.") : null;
    }

    /// <summary>
    /// The request's id: the client's <c>Idempotency-Key</c> when it sends one (a retried request then repeats the same
    /// Stripe call, which Stripe answers once), else a new one. It names the request in the history.
    /// </summary>
    private static string? RequestIdOf(HttpRequest request)
    {
        var given = request.Headers["Idempotency-Key"].ToString();
        if (given.Length == 0)
        {
            return PlanChangeService.NewRequestId();
        }
        return given.Length <= 200 && given.All(c => c is > ' ' and < (char)127) ? given : null;
    }

    private static ValidationProblem IdempotencyKeyProblem() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [CheckoutApi.IdempotencyHeader] = ["Idempotency-Key must be 1 to 200 printable ASCII characters without spaces."] },
            title: "The Idempotency-Key header is not valid.");

    private static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> RefusalsAsProblems<T>(Func<Task<Ok<T>>> action)
    {
        try
        {
            return await action();
        }
        catch (SubscriptionChangeRefusedException refused) when (refused.StatusCode == StatusCodes.Status400BadRequest && refused.Field is { } field)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [refused.Message] }, title: refused.Title);
        }
        catch (SubscriptionChangeRefusedException refused)
        {
            return TypedResults.Problem(statusCode: refused.StatusCode, title: refused.Title, detail: refused.Message);
        }
        catch (StripeException stripe) when (stripe.HttpStatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.PaymentRequired or System.Net.HttpStatusCode.NotFound)
        {
            // Stripe refused the change (a card error, a state it does not allow): the user's to fix, not a 500.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Stripe refused the change.",
                detail: stripe.StripeError?.Message ?? stripe.Message);
        }
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
