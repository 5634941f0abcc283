using Yapit.StripeSetup.Cli;

// stripe-setup plan|apply: the catalog as code (SetupCommandLine), one run in a host (SetupHost), then exit.
return await SetupCommandLine.Create(SetupHost.RunAsync).Parse(args).InvokeAsync();
