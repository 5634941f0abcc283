global using Yapit.BillingWorker.Extensions;
