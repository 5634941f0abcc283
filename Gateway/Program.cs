using Yapit.Gateway.Auth;

var builder = WebApplication.CreateBuilder(args);
if (args is ["token", ..])
{
    // dotnet run --project Gateway --no-launch-profile -- token --sub user_1: a token for a test user on the local stack.
    return DevTokens.Run(args, builder.Configuration);
}

builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGatewayApis();

app.Run();
return 0;
