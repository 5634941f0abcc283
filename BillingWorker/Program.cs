var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBillingWorkerServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
