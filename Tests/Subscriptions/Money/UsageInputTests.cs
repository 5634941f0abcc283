using System.Net;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Subscriptions.Money;

/// <summary>
/// Rule "usage input is strict" (docs/billing-rules.md): amounts are JSON integers in range, a zero record is refused,
/// and every 400 of the billing, usage and admin API is Problem Details whose <c>errors</c> names the field.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsageInputTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_record_whose_amount_is_not_a_positive_json_integer_in_range_is_refused_naming_the_field()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres);
        var user = BillingStackHarness.NewUserId();
        var service = stack.Service();
        string[] amounts = ["0", "\"5\"", "9223372036854775808", "1.5", "1e3", "-1", "true", "null"];

        foreach (var amount in amounts)
        {
            var single = await service.PostJsonAsync("/v1/usage/records", $$"""{"user_id":"{{user}}","meter":"tokens","amount":{{amount}},"idempotency_key":"k-{{user}}"}""", Ct);
            var inBatch = await service.PostJsonAsync("/v1/usage/records", $$"""
                {"records":[{"user_id":"{{user}}","meter":"tokens","amount":1,"idempotency_key":"a-{{user}}"},{"user_id":"{{user}}","meter":"tokens","amount":{{amount}},"idempotency_key":"b-{{user}}"}]}
                """, Ct);

            Assert.True(single.Status == HttpStatusCode.BadRequest, $"amount {amount}: {(int)single.Status} {single.Body}");
            Assert.True(single.Body.ErrorFields() is ["amount"], $"amount {amount}: {single.Body}");
            Assert.True(inBatch.Status == HttpStatusCode.BadRequest, $"batch amount {amount}: {(int)inBatch.Status} {inBatch.Body}");
            Assert.True(inBatch.Body.ErrorFields() is ["records[1].amount"], $"batch amount {amount}: {inBatch.Body}");
        }
        var usage = await stack.MeterAsync(user, ct: Ct);
        Assert.Equal(0, usage.Used + usage.Debt); // nothing written
    }

    [Fact]
    public async Task Checks_reservations_plan_changes_and_admin_calls_name_the_field_of_every_400()
    {
        await using var stack = await BillingStackHarness.StartAsync(postgres, new Dictionary<string, string?> { ["Admin:ApiKey"] = AdminKey });
        var user = BillingStackHarness.NewUserId();
        var service = stack.Service();
        var me = stack.User(user);
        var admin = stack.Admin(AdminKey);

        var check = await service.PostJsonAsync("/v1/usage/check", $$"""{"user_id":"{{user}}","meter":"tokens","amount":"5"}""", Ct);
        var checkHuge = await service.PostJsonAsync("/v1/usage/check", $$"""{"user_id":"{{user}}","meter":"tokens","amount":18446744073709551616}""", Ct);
        var reserveTtl = await service.PostJsonAsync("/v1/usage/reservations", $$"""{"user_id":"{{user}}","meter":"tokens","amount":5,"ttl_seconds":1.5}""", Ct);
        var reserveZero = await service.PostJsonAsync("/v1/usage/reservations", $$"""{"user_id":"{{user}}","meter":"tokens","amount":0}""", Ct);
        var notJson = await service.PostJsonAsync("/v1/usage/records", "{\"user_id\":", Ct);
        var changeMalformed = await me.PostJsonAsync("/v1/billing/subscription/change", "{\"tier\":", Ct);
        var changeTierNumber = await me.PostJsonAsync("/v1/billing/subscription/change", "{\"tier\":5,\"interval\":\"monthly\"}", Ct);
        var badKey = await me.PostJsonAsync("/v1/billing/subscription/cancel", "{\"at_period_end\":true}", Ct, idempotencyKey: "has space");
        var cancelString = await me.PostJsonAsync("/v1/billing/subscription/cancel", "{\"at_period_end\":\"yes\"}", Ct);
        using var adminLimit = await admin.GetAsync("/v1/admin/events?limit=x", Ct);
        var adminBody = System.Text.Json.JsonDocument.Parse(await adminLimit.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal((HttpStatusCode.BadRequest, "amount"), (check.Status, string.Join(",", check.Body.ErrorFields())));
        Assert.Equal((HttpStatusCode.BadRequest, "amount"), (checkHuge.Status, string.Join(",", checkHuge.Body.ErrorFields())));
        Assert.Equal((HttpStatusCode.BadRequest, "ttl_seconds"), (reserveTtl.Status, string.Join(",", reserveTtl.Body.ErrorFields())));
        Assert.Equal((HttpStatusCode.BadRequest, "amount"), (reserveZero.Status, string.Join(",", reserveZero.Body.ErrorFields())));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        Assert.NotEmpty(notJson.Body.ErrorFields());
        Assert.Equal(HttpStatusCode.BadRequest, changeMalformed.Status);
        Assert.NotEmpty(changeMalformed.Body.ErrorFields());
        Assert.Equal((HttpStatusCode.BadRequest, "tier"), (changeTierNumber.Status, string.Join(",", changeTierNumber.Body.ErrorFields())));
        Assert.Equal((HttpStatusCode.BadRequest, "Idempotency-Key"), (badKey.Status, string.Join(",", badKey.Body.ErrorFields())));
        Assert.Equal((HttpStatusCode.BadRequest, "at_period_end"), (cancelString.Status, string.Join(",", cancelString.Body.ErrorFields())));
        Assert.Equal((HttpStatusCode.BadRequest, "limit"), (adminLimit.StatusCode, string.Join(",", adminBody.ErrorFields())));
    }

    private const string AdminKey = "money-admin-key-0123456789abcdef";
}
