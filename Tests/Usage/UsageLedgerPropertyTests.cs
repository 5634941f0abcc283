using FsCheck;
using FsCheck.Fluent;
using Yapit.Billing.Usage;
using Yapit.Tests.Infrastructure;
using static Yapit.Tests.Usage.UsageLedgerHarness;

namespace Yapit.Tests.Usage;

/// <summary>
/// Random sequences of records (with repeated keys), checks, reservations, renewals, plan changes, packs and
/// cancellations, run on the real ledger and on a plain model written here from the product owner's rules.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UsageLedgerPropertyTests(PostgresServerFixture postgres)
{
    private abstract record Op;
    private sealed record Record(long Amount, int Key) : Op;
    private sealed record Check(long Amount) : Op;
    private sealed record Reserve(long Amount) : Op;
    private sealed record ReleaseAll : Op;
    private sealed record Renew(string Tier) : Op;
    private sealed record Upgrade : Op;
    private sealed record Pack(long Quantity) : Op;
    private sealed record Cancel : Op;

    private static readonly Dictionary<string, long> Limits = new() { ["free"] = 0, ["basic"] = BasicTokens, ["plus"] = PlusTokens };

    /// <summary>The rules as plain arithmetic, independent of the ledger's code.</summary>
    private sealed class Model
    {
        public string Tier = "basic";
        public long Used, Rollover, Purchased, Reserved;
        public readonly Dictionary<int, long> Keys = [];

        private long Limit => Limits[Tier];

        public void Record(long amount, int key)
        {
            if (!Keys.TryAdd(key, amount))
            {
                return;
            }
            var fromAllowance = Math.Min(amount, Math.Max(0, Limit - Used));
            Used += fromAllowance;
            var rest = amount - fromAllowance;
            if (Rollover > 0)
            {
                var x = Math.Min(rest, Rollover);
                Rollover -= x;
                rest -= x;
            }
            var y = Math.Min(rest, Purchased);
            Purchased -= y;
            rest -= y;
            Rollover -= rest;
        }

        public long Available => Math.Max(0, Math.Max(0, Limit - Used) + Rollover + Purchased - Reserved);

        public void EndPeriod(string nextTier)
        {
            var unused = Math.Max(0, Limit - Used);
            if (Rollover < 0)
            {
                var repay = Math.Min(unused, -Rollover);
                Rollover += repay;
                unused -= repay;
            }
            if (Rollover < TokensCap)
            {
                Rollover = Math.Min(TokensCap, Rollover + unused);
            }
            Used = 0;
            Tier = nextTier;
        }

        public void AddPack(long quantity)
        {
            var repay = Rollover < 0 ? Math.Min(quantity, -Rollover) : 0;
            Rollover += repay;
            Purchased += quantity - repay;
        }
    }

    private static readonly Gen<Op> Ops = Gen.Frequency(
        (6, from amount in Gen.Choose(0, 120_000) from key in Gen.Choose(0, 12) select (Op)new Record(amount, key)),
        (3, Gen.Choose(0, 300_000).Select(a => (Op)new Check(a))),
        (1, Gen.Choose(1, 80_000).Select(a => (Op)new Reserve(a))),
        (1, Gen.Constant((Op)new ReleaseAll())),
        (2, Gen.Elements("basic", "plus").Select(t => (Op)new Renew(t))),
        (1, Gen.Constant((Op)new Upgrade())),
        (1, Gen.Choose(1, 60_000).Select(q => (Op)new Pack(q))),
        (1, Gen.Constant((Op)new Cancel())));

    [Fact]
    public async Task The_ledger_agrees_with_the_model_after_every_step()
    {
        // One database; every run is a new user, so runs do not see each other.
        await using var h = await CreateAsync(postgres);
        Prop.ForAll(Gen.Choose(1, 25).SelectMany(n => Ops.ArrayOf(n)).ToArbitrary(), ops => RunAsync(h, ops).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    private static async Task<bool> RunAsync(UsageLedgerHarness h, Op[] ops)
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N")[..8];
        var model = new Model();
        var period = 0;
        var reservations = new List<string>();
        await h.Ledger.ApplyPlanAsync(Monthly(user, "basic", period), ct);
        foreach (var op in ops)
        {
            switch (op)
            {
                case Record r:
                    await h.Ledger.RecordAsync(new UsageRecordRequest(user, "tokens", model.Keys.GetValueOrDefault(r.Key, r.Amount), $"{user}-{r.Key}", null), ct);
                    model.Record(model.Keys.GetValueOrDefault(r.Key, r.Amount), r.Key);
                    break;
                case Check c:
                    var check = await h.Ledger.CheckAsync(user, "tokens", c.Amount, ct);
                    Assert.Equal(c.Amount <= model.Available, check.Allowed);
                    Assert.Equal(model.Available, check.Available);
                    break;
                case Reserve r:
                    if (r.Amount <= model.Available)
                    {
                        reservations.Add((await h.Ledger.ReserveAsync(user, "tokens", r.Amount, null, null, ct)).ReservationId);
                        model.Reserved += r.Amount;
                    }
                    else
                    {
                        await Assert.ThrowsAsync<UsageLimitExceededException>(() => h.Ledger.ReserveAsync(user, "tokens", r.Amount, null, null, ct));
                    }
                    break;
                case ReleaseAll:
                    foreach (var id in reservations)
                    {
                        Assert.True(await h.Ledger.ReleaseAsync(user, id, ct));
                    }
                    reservations.Clear();
                    model.Reserved = 0;
                    break;
                case Renew r:
                    period++;
                    await h.Ledger.ApplyPlanAsync(Monthly(user, r.Tier, period), ct);
                    model.EndPeriod(r.Tier);
                    break;
                case Upgrade when model.Tier == "basic":
                    await h.Ledger.ApplyPlanAsync(Monthly(user, "plus", period), ct);
                    model.Tier = "plus";
                    break;
                case Upgrade:
                    break;
                case Pack p:
                    await h.Ledger.GrantCreditsAsync(Guid.NewGuid().ToString("N"), user, "tokens", p.Quantity, ct);
                    model.AddPack(p.Quantity);
                    break;
                case Cancel when model.Tier != "free":
                    period++;
                    await h.Ledger.EndPlanAsync(user, UsagePeriods.Boundary(Start, period), ct);
                    model.EndPeriod("free");
                    break;
                case Cancel:
                    break;
            }
            var meter = await h.MeterAsync(user);
            Assert.Equal((model.Used, model.Rollover, model.Purchased, model.Reserved), (meter.Used, meter.Rollover - meter.Debt, meter.Purchased, meter.Reserved));
            Assert.True(meter.Used <= Limits[model.Tier] || model.Tier == "free");
            Assert.True(meter.Purchased >= 0);
        }
        return true;
    }
}
