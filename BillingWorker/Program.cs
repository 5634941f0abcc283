var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBillingWorkerServices();

var app = builder.Build();

// Nobody outside reaches the worker: its /health says why it is not healthy.
app.MapDefaultEndpoints(explainHealth: true);

app.Run();
