using Yapit.StripeEmulator.Hosting;
using Yapit.StripeEmulator.Operator;

if (EmulatorCommandLine.WantsHelp(args))
{
    Console.WriteLine(EmulatorCommandLine.Usage);
    return;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddEmulatorDefaults(args);
builder.AddEmulatorTelemetry();
builder.AddEmulatorServices();

var app = builder.Build();

app.UseEmulatorPipeline();
app.MapOperatorApi();
app.MapBillingOperatorApi();
app.MapStripeApi();

// Bad settings or an unreadable state file stop the start here, with a message that names them.
app.Run();
