using System.Net;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>
/// Reservations are idempotent like records (docs/billing-rules.md, "Usage input"): the same id, user, meter and amount
/// replays the stored reservation; anything else is 409 naming the conflict; nothing is held that was not stored.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReservationIdempotencyTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTime Start = new(2027, 2, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task A_retried_reservation_replays_the_stored_one_and_a_reused_id_with_other_values_is_a_409_naming_them()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var other = BillingStackHarness.NewUserId();
        await stack.SubscribeAsync(user, Start, "plus", "monthly", ct: Ct);
        await stack.SubscribeAsync(other, Start, "plus", "monthly", ct: Ct);
        var service = stack.Service();
        var id = "rsv_" + user;
        string Body(string u, string meter, long amount) => $$"""{"user_id":"{{u}}","meter":"{{meter}}","amount":{{amount}},"reservation_id":"{{id}}","ttl_seconds":600}""";

        var first = await service.PostJsonAsync("/v1/usage/reservations", Body(user, "tokens", 6_000_000), Ct);
        var retry = await service.PostJsonAsync("/v1/usage/reservations", Body(user, "tokens", 6_000_000), Ct);
        var otherAmount = await service.PostJsonAsync("/v1/usage/reservations", Body(user, "tokens", 1_000_000), Ct);
        var otherMeter = await service.PostJsonAsync("/v1/usage/reservations", Body(user, "voice_chars", 6_000_000), Ct);
        var otherUser = await service.PostJsonAsync("/v1/usage/reservations", Body(other, "tokens", 6_000_000), Ct);
        var mine = await stack.MeterAsync(user, ct: Ct);
        var theirs = await stack.MeterAsync(other, ct: Ct);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.Equal(first.Body.GetProperty("expires_at").GetDateTimeOffset(), retry.Body.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Equal(6_000_000, retry.Body.GetProperty("amount").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, otherAmount.Status);
        Assert.Contains("amount", otherAmount.Body.Text("detail"));
        Assert.Equal(HttpStatusCode.Conflict, otherMeter.Status);
        Assert.Contains("meter", otherMeter.Body.Text("detail"));
        Assert.Equal(HttpStatusCode.Conflict, otherUser.Status);
        Assert.Contains("user", otherUser.Body.Text("detail"));
        Assert.Equal(4_000_000, mine.Available);     // 10M Plus allowance, 6M held once
        Assert.Equal(10_000_000, theirs.Available);  // the other user holds nothing
    }
}
