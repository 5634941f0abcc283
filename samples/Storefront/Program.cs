using Yapit.Storefront.Gateway;
using Yapit.Storefront.LocalSignIn;

// The storefront: plans, checkout, the subscription, plan changes, the portal and usage, all through the gateway.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// Checkout returns a credit pack's buyer to /credits (Billing's redirect), the usage page.
builder.Services.AddRazorPages(pages => pages.Conventions.AddPageRoute("/Usage/Index", "credits"));
builder.AddGatewayClient();
builder.AddLocalSignIn();

var app = builder.Build();

// A failed call to the gateway (Problem Details, or no answer) becomes a page in words, never a blank one.
// A 404 from the gateway (e.g. no subscription yet) is shown too, not rethrown.
app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/Error", AllowStatusCode404Response = true });
app.UseStaticFiles();
app.MapDefaultEndpoints();
app.MapRazorPages();

app.Run();
