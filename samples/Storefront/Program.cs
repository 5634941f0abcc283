using Yapit.Storefront.Gateway;
using Yapit.Storefront.LocalSignIn;

// The storefront: plans, checkout, the subscription, plan changes, the portal and usage, all through the gateway.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddRazorPages();
builder.AddGatewayClient();
builder.AddLocalSignIn();

var app = builder.Build();

// A failed call to the gateway (Problem Details, or no answer) becomes a page in words, never a blank one.
app.UseExceptionHandler("/Error");
app.UseStaticFiles();
app.MapDefaultEndpoints();
app.MapRazorPages();

app.Run();
