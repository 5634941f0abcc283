using Npgsql;
using Yapit.Billing.Data;
using Yapit.Tests.Infrastructure;

namespace Yapit.Tests.Migrations;

[Trait("Category", "Integration")]
public sealed class MigrationRunnerTests(PostgresServerFixture postgres)
{
    private static Migration M(string fileName, string sql) => Migration.Create(fileName, sql);

    private static readonly Migration CreateAccounts = M("0001_accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);");
    private static readonly Migration AddName = M("0002_account_name.sql", "ALTER TABLE accounts ADD COLUMN name text;");
    private static readonly Migration CreateNotes = M("0003_notes.sql", "CREATE TABLE notes (account_id int REFERENCES accounts(id));");

    private async Task<NpgsqlDataSource> EmptyDatabaseAsync() =>
        NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migrations", migrated: false));

    private static async Task<List<(int Version, string FileName)>> HistoryAsync(NpgsqlDataSource dataSource)
    {
        var rows = new List<(int, string)>();
        await using var command = dataSource.CreateCommand("SELECT version, file_name FROM public.schema_migrations ORDER BY applied_at, version");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetInt32(0), reader.GetString(1)));
        }
        return rows;
    }

    [Fact]
    public async Task Applies_files_in_version_order_whatever_order_they_are_given_in()
    {
        await using var db = await EmptyDatabaseAsync();

        var result = await new MigrationRunner(db, migrations: MigrationCatalog.Order([CreateNotes, AddName, CreateAccounts]))
            .ApplyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["0001_accounts.sql", "0002_account_name.sql", "0003_notes.sql"], result.Applied);
        Assert.Equal([(1, "0001_accounts.sql"), (2, "0002_account_name.sql"), (3, "0003_notes.sql")], await HistoryAsync(db));
    }

    [Fact]
    public async Task Applies_each_file_once_and_only_the_new_ones_later()
    {
        await using var db = await EmptyDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;

        var first = await new MigrationRunner(db, migrations: [CreateAccounts, AddName]).ApplyAsync(ct);
        var second = await new MigrationRunner(db, migrations: [CreateAccounts, AddName]).ApplyAsync(ct);
        var third = await new MigrationRunner(db, migrations: [CreateAccounts, AddName, CreateNotes]).ApplyAsync(ct);

        Assert.Equal(2, first.Applied.Count);
        Assert.Empty(second.Applied);
        Assert.Equal(2, second.AlreadyApplied);
        Assert.Equal(["0003_notes.sql"], third.Applied);
        Assert.Equal(3, (await HistoryAsync(db)).Count);
    }

    [Fact]
    public async Task A_changed_applied_file_stops_the_run_naming_the_file_and_applies_nothing()
    {
        await using var db = await EmptyDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;
        await new MigrationRunner(db, migrations: [CreateAccounts]).ApplyAsync(ct);

        var edited = M("0001_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);");
        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            new MigrationRunner(db, migrations: [edited, AddName]).ApplyAsync(ct));

        Assert.Contains("0001_accounts.sql", error.Message);
        Assert.Contains("changed after it was applied", error.Message);
        Assert.Equal([(1, "0001_accounts.sql")], await HistoryAsync(db));
    }

    [Fact]
    public async Task Line_endings_do_not_count_as_a_change()
    {
        await using var db = await EmptyDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;
        await new MigrationRunner(db, migrations: [M("0001_x.sql", "CREATE TABLE x (id int);\nCREATE TABLE y (id int);\n")]).ApplyAsync(ct);

        var result = await new MigrationRunner(db, migrations: [M("0001_x.sql", "CREATE TABLE x (id int);\r\nCREATE TABLE y (id int);\r\n")]).ApplyAsync(ct);

        Assert.Empty(result.Applied);
    }

    [Fact]
    public async Task A_failing_file_is_rolled_back_whole_and_the_error_names_file_and_line()
    {
        await using var db = await EmptyDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;
        var broken = M("0002_broken.sql", "CREATE TABLE half (id int);\nSELECT 1;\nALTER TABLE nowhere ADD COLUMN x int;");

        var error = await Assert.ThrowsAsync<MigrationException>(() =>
            new MigrationRunner(db, migrations: [CreateAccounts, broken]).ApplyAsync(ct));

        Assert.Contains("0002_broken.sql", error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Equal([(1, "0001_accounts.sql")], await HistoryAsync(db));
        await using var exists = db.CreateCommand("SELECT to_regclass('public.half') IS NOT NULL");
        Assert.False((bool)(await exists.ExecuteScalarAsync(ct))!);
    }

    [Fact]
    public async Task Two_concurrent_runners_apply_each_file_exactly_once()
    {
        await using var db = await EmptyDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;
        // A slow first file keeps the lock held long enough for the runners to overlap.
        Migration[] migrations =
        [
            M("0001_slow.sql", "SELECT pg_sleep(0.3); CREATE TABLE counter (n int);"),
            M("0002_count.sql", "INSERT INTO counter VALUES (1);"),
        ];

        var runs = await Task.WhenAll(
            new MigrationRunner(db, migrations: migrations).ApplyAsync(ct),
            new MigrationRunner(db, migrations: migrations).ApplyAsync(ct));

        Assert.Equal(2, runs.Sum(r => r.Applied.Count));
        Assert.Contains(runs, r => r.Applied.Count == 0);
        await using var count = db.CreateCommand("SELECT count(*) FROM counter");
        Assert.Equal(1L, await count.ExecuteScalarAsync(ct));
        Assert.Equal(2, (await HistoryAsync(db)).Count);
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused()
    {
        await using var db = await EmptyDatabaseAsync();
        var ct = TestContext.Current.CancellationToken;
        await new MigrationRunner(db, migrations: [CreateAccounts, AddName]).ApplyAsync(ct);

        var error = await Assert.ThrowsAsync<MigrationException>(() => new MigrationRunner(db, migrations: [CreateAccounts]).ApplyAsync(ct));

        Assert.Contains("0002_account_name.sql", error.Message);
    }

    [Theory]
    [InlineData("1_short.sql")]
    [InlineData("0001-dash.sql")]
    [InlineData("0001_Upper.sql")]
    [InlineData("0001_name.txt")]
    public void Misnamed_files_are_refused(string fileName)
    {
        var error = Assert.Throws<MigrationException>(() => Migration.Create(fileName, "SELECT 1"));
        Assert.Contains(fileName, error.Message);
    }

    [Fact]
    public void Two_files_with_one_version_are_refused()
    {
        var error = Assert.Throws<MigrationException>(() => MigrationCatalog.Order([M("0001_a.sql", "SELECT 1"), M("0001_b.sql", "SELECT 2")]));
        Assert.Contains("0001_a.sql", error.Message);
        Assert.Contains("0001_b.sql", error.Message);
    }

    [Fact]
    public void The_embedded_migrations_start_at_0001_and_are_numbered_without_gaps()
    {
        var versions = MigrationCatalog.Embedded.Select(m => m.Version).ToArray();
        Assert.Equal(Enumerable.Range(1, versions.Length), versions);
        Assert.Equal("0001_billing_schema.sql", MigrationCatalog.Embedded[0].FileName);
    }
}
