using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Yapit.Billing.Data;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults();

try
{
    using var host = builder.Build();
    await host.StartAsync();
    var logger = host.Services.GetRequiredService<ILogger<Program>>();
    await using var dataSource = BillingDatabase.CreateDataSource(BillingDatabase.GetConnectionString(builder.Configuration));
    await new MigrationRunner(dataSource, host.Services.GetRequiredService<ILogger<MigrationRunner>>()).ApplyAsync();
    await host.StopAsync();
    return 0;
}
catch (Exception error) when (error is MigrationException or InvalidOperationException or NpgsqlException)
{
    Console.Error.WriteLine($"stripe-setup: {error.Message}");
    return 1;
}
