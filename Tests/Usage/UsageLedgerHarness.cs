using Npgsql;
using Yapit.Billing.Usage;
using Yapit.Tests.Emulator;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Usage;

/// <summary>A migrated database with a small catalog (as stripe-setup would write it), a ledger and a clock a test moves.</summary>
public sealed class UsageLedgerHarness : IAsyncDisposable
{
    public const long BasicTokens = 100_000;
    public const long PlusTokens = 200_000;
    public const long TokensCap = 150_000;
    public static readonly DateTimeOffset Start = new(2027, 1, 31, 10, 0, 0, TimeSpan.Zero);

    private UsageLedgerHarness(NpgsqlDataSource dataSource)
    {
        DataSource = dataSource;
        Clock = new ManualClock(Start);
        Ledger = new UsageLedger(dataSource, new MeterCatalogSource(dataSource, Clock), Clock);
    }

    public NpgsqlDataSource DataSource { get; }
    public ManualClock Clock { get; }
    public UsageLedger Ledger { get; }

    public static async Task<UsageLedgerHarness> CreateAsync(PostgresServerFixture postgres)
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("usage"));
        await SeedCatalogAsync(dataSource);
        return new UsageLedgerHarness(dataSource);
    }

    /// <summary>Meters, plans and limits as stripe-setup writes them, smaller.</summary>
    public static async Task SeedCatalogAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO billing.meters (name, rollover_cap) VALUES ('tokens', {TokensCap}), ('voice_chars', 10000), ('kokoro_chars', 0);
            INSERT INTO billing.plans (tier, name, rank, currency, active) VALUES
                ('free', 'Free', 0, 'eur', true), ('basic', 'Basic', 1, 'eur', true), ('plus', 'Plus', 2, 'eur', true);
            INSERT INTO billing.plan_limits (tier, meter, period_limit) VALUES
                ('free', 'tokens', 0), ('free', 'voice_chars', 0), ('free', 'kokoro_chars', 0),
                ('basic', 'tokens', {BasicTokens}), ('basic', 'voice_chars', 0), ('basic', 'kokoro_chars', NULL),
                ('plus', 'tokens', {PlusTokens}), ('plus', 'voice_chars', 5000), ('plus', 'kokoro_chars', NULL);
            """);
        await command.ExecuteNonQueryAsync();
    }

    public static UsagePlan Monthly(string user, string tier, int period, bool trial = false) =>
        new(user, tier, UsagePeriods.Boundary(Start, period), UsagePeriods.Boundary(Start, period + 1), Yearly: false, trial);

    public Task<UsageRecordResult> RecordAsync(string user, long amount, string? key = null, string meter = "tokens") =>
        Ledger.RecordAsync(new UsageRecordRequest(user, meter, amount, key ?? Guid.NewGuid().ToString("N"), "doc-1"), CancellationToken.None);

    public async Task<MeterUsage> MeterAsync(string user, string meter = "tokens") =>
        (await Ledger.GetSummaryAsync(user, CancellationToken.None)).Meters.Single(m => m.Meter == meter);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
