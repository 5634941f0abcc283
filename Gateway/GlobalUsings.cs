global using Yapit.Gateway.Extensions;
