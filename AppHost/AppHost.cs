using Microsoft.Extensions.Configuration;

// The Yapit billing stack: Postgres, Stripe (the emulator, or real Stripe through the stripe-cli container), the
// one-shot catalog setup, the gateway and the billing worker, with the Aspire dashboard's telemetry across all of them.
var builder = DistributedApplication.CreateBuilder(LocalState.WithoutFreshFlag(args, out var fresh));
var state = LocalState.Open(builder, fresh);

var billingdb = builder.AddBillingDatabase(state);
var stripe = builder.AddStripe(state);
var adminKey = state.Secret("admin-api-key", LocalState.NewApiKey);
// Yapit's own services record usage with the service key.
var usageServiceKey = state.Secret("usage-service-key", LocalState.NewApiKey);

var stripeSetup = builder.AddProject<Projects.StripeSetup>("stripe-setup")
    .WithArgs(stripe.SetupArguments)
    .WithReference(billingdb).WaitFor(billingdb)
    .WithStripe(stripe)
    .WithLocalStackFile(state, billingdb, stripe);

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    .WithFixedHttpPort(builder.Configuration.GetValue("Ports:Gateway", 5080))
    .WithHttpHealthCheck("/health")
    .WithReference(billingdb)
    .WithStripe(stripe)
    .WithStripeWebhookSecret(stripe)
    .WithEnvironment("Admin__ApiKey", adminKey)
    .WithUserAuthentication(state)
    .WithEnvironment("Auth__ServiceApiKey", usageServiceKey)
    .WaitForCompletion(stripeSetup);

builder.AddProject<Projects.BillingWorker>("billing-worker")
    .WithFixedHttpPort(builder.Configuration.GetValue("Ports:Worker", 5081))
    .WithHttpHealthCheck("/health")
    .WithReference(billingdb)
    .WithReference(gateway)
    .WithStripe(stripe)
    .WaitForCompletion(stripeSetup);

// The storefront sample: the product in a browser on http://localhost:5173, where Checkout and the portal return.
builder.AddStorefront(gateway);

stripe.ForwardWebhooksTo(gateway);
builder.WithQuickTelemetryShutdown();
builder.LaunchProjectsFromBuildOutput();
builder.PrintWhereThingsAre(gateway, state);

builder.Build().Run();
